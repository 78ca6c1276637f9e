"""A Mandarin medical-insurance (医保) hotline for Twilio Voice."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .accounts import load_accounts
from .calls import CallFlow
from .config import from_environment
from .hotline import load_hotline
from .store import Store


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(from_environment(), MAX_CONTENT_LENGTH=64 * 1024, CLOCK=utc_now)
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'ivr.sqlite'}"
    if app.config["IVR_TRUST_PROXY"] == "1":
        app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    hotline = load_hotline(Path(app.config["IVR_PROMPTS"]), Path(app.config["IVR_DATA"]))
    store = Store(app.config["DATABASE_URL"])
    store.create_schema()
    if app.config["IVR_LOAD_DEMO"] == "1" and store.account_count() == 0:
        store.load_accounts(load_accounts(Path(app.config["IVR_DATA"]) / "accounts.yaml"))

    app.extensions["ivr.hotline"] = lambda: hotline
    app.extensions["ivr.store"] = store
    app.extensions["ivr.flow"] = CallFlow(app.extensions["ivr.hotline"], store, lambda: app.config["CLOCK"]())

    from . import webhooks

    app.register_blueprint(webhooks.bp)
    return app
