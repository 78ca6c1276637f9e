"""The Flask app factory: settings, storage, the versions of prompts and data, and every blueprint."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr.config import check as check_settings
from ivr.config import from_environment, trusted_hosts
from ivr.content.accounts import load_accounts
from ivr.content.versions import from_app as versions_of
from ivr.storage.passwords import Passwords, instance_key
from ivr.storage.store import Store
from ivr.telephony.flow import CallFlow
from ivr.web import logs, metrics, protection
from ivr.web.webhook_app import ByPath, create_webhook_app


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def derived_secret(password_key: str) -> bytes:
    """The cookie-signing key when none is configured: every process with the same password key derives the same one.

    HMAC under the password key of a fixed label: the result reveals nothing of the password key, and processes
    sharing the instance folder (gunicorn's workers, `ivr serve` restarted) accept each other's cookies.
    """
    return hmac.new(password_key.encode("utf-8"), b"ivr session cookies", hashlib.sha256).digest()


def instance_folder() -> Path:
    """The instance folder create_app uses, for commands that open the database without the app."""
    return Path(Flask("ivr.web", instance_relative_config=True).instance_path)


def database_url(config, instance: Path) -> str:
    """DATABASE_URL, or SQLite in the instance folder when it is empty."""
    return config["DATABASE_URL"] or f"sqlite:///{instance / 'ivr.sqlite'}"


def create_app(test_config: dict | None = None) -> Flask:
    # Before anything logs: every line of this process, whoever writes it out, has its ID numbers masked.
    logs.install_record_factory()
    app = Flask("ivr.web", instance_relative_config=True)
    app.config.from_mapping(from_environment(), MAX_CONTENT_LENGTH=64 * 1024, CLOCK=utc_now)
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["DATABASE_URL"] = database_url(app.config, Path(app.instance_path))
    check_settings(app.config)
    if trusted_hosts(app.config):
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    if not app.debug and not app.testing:
        logs.configure(app.config["IVR_LOG_FORMAT"], app.config["IVR_LOG_LEVEL"])

    password_key = instance_key(app.config["IVR_PASSWORD_KEY"], Path(app.instance_path))
    passwords = Passwords(password_key)
    app.secret_key = app.config["IVR_SECRET_KEY"] or derived_secret(password_key)
    store = Store(app.config["DATABASE_URL"], app.config["REDIS_URL"], app.config["IVR_REDIS_PREFIX"], passwords)
    demo = Path(app.config["IVR_DATA"]) / "accounts.yaml"

    def load_demo() -> None:
        # Called under the migration lock, so that servers starting together load the demo accounts once.
        if store.account_count() == 0:
            store.load_accounts(load_accounts(demo, passwords))

    store.create_schema(then=load_demo if app.config["IVR_LOAD_DEMO"] == "1" else None)
    versions = versions_of(app, store.published)

    # versions() is the version of prompts and data to serve now; versions(v) the one a call started on
    # (ivr.content.versions, which reloads edits in the background).
    app.extensions["ivr.versions"] = versions
    app.extensions["ivr.store"] = store
    app.extensions["ivr.flow"] = CallFlow(app.extensions["ivr.versions"], store, lambda: app.config["CLOCK"]())

    from ivr.web import (
        call_records,
        health,
        home,
        menumap,
        operator,
        simulator,
        texts,
        webhooks,
    )

    app.register_blueprint(webhooks.bp)
    app.register_blueprint(menumap.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(operator.bp)
    simulator.init_app(app)
    call_records.init_app(app)
    texts.init_app(app)
    logs.init_app(app)
    metrics.init_app(app)
    protection.init_app(app)
    # The webhooks are answered by an app of their own, without the pages' protections (ivr.web.webhook_app).
    app.wsgi_app = ByPath(create_webhook_app(app).wsgi_app, app.wsgi_app)
    if app.config["IVR_TRUST_PROXY"] == "1":
        # One proxy (deploy/nginx.conf) sets these headers itself, so only the last value of each is believed.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    return app
