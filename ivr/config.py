"""Every setting the app reads, declared once with its default and meaning; the README lists them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS = (
    Setting("IVR_ENV", "development", "`production` where callers are served (the image and compose set it): the server then refuses to "
                                      "start without IVR_PUBLIC_URL or IVR_TRUSTED_HOSTS, IVR_SECRET_KEY and IVR_PASSWORD_KEY, and "
                                      "the simulator needs IVR_SIMULATOR_PASSWORD; `development` for local use."),
    Setting("TWILIO_AUTH_TOKEN", "", "Auth token of the Twilio account; webhooks refuse every request (403) while it is empty."),
    Setting("IVR_PUBLIC_URL", "", "The public base URL Twilio calls (https://abc.ngrok.app); signatures are checked against it."),
    Setting("IVR_TRUSTED_HOSTS", "", "Comma-separated host names the server answers to (hotline.example.org), instead of IVR_PUBLIC_URL "
                                     "where it is reached under several; a request naming another host gets 400."),
    Setting("IVR_TRUST_PROXY", "", "Set to 1 behind a reverse proxy (deploy/nginx.conf) that sets X-Forwarded-For/Proto/Host itself."),
    Setting("DATABASE_URL", "", "SQLAlchemy URL of the database; empty means SQLite in the instance folder."),
    Setting("IVR_PROMPTS", str(ROOT / "prompts"), "Folder of the operators' prompts/*.yaml."),
    Setting("IVR_DATA", str(ROOT / "data"), "Folder of regions.yaml, lines.yaml and accounts.yaml."),
    Setting("IVR_RELOAD_SECONDS", "2", "How often the server looks for a newly published version and for edits to prompts/ and data/, and serves them once valid (0 switches reloading off)."),
    Setting("IVR_PUBLISH_SAVES", "", "1: each valid save of prompts/ and data/ is published as a new version by the server itself (`ivr serve` "
                                     "on a laptop); 0: only `ivr publish` and `ivr rollback` publish, and the files are read only when "
                                     "nothing is published yet. Empty means 1 in development and 0 in production."),
    Setting("IVR_LOAD_DEMO", "1", "Load data/accounts.yaml into an empty database at start-up (0 to switch off)."),
    Setting("REDIS_URL", "", "Redis URL (redis://host:6379/0) for password counters and call state shared by all processes; "
                             "empty keeps them in the database."),
    Setting("IVR_REDIS_PREFIX", "ivr:", "Prefix of every Redis key the hotline writes, so that several hotlines can share one Redis."),
    Setting("IVR_OPERATOR_PASSWORD", "", "Password of the operator page /operator (HTTP Basic, any user name); empty switches the page off."),
    Setting("TWILIO_ACCOUNT_SID", "", "Account SID (AC...) used with TWILIO_AUTH_TOKEN by `ivr twilio connect` and `ivr twilio status`."),
    Setting("TWILIO_API_URL", "", "Base URL of Twilio's REST API for text messages; empty means Twilio's own (https://api.twilio.com). "
                                  "Tests point it at a local server that answers as the Messages API does."),
    Setting("IVR_LOG_FORMAT", "text", "Log lines as plain `text` for a terminal or one `json` object per line for a log collector."),
    Setting("IVR_LOG_LEVEL", "INFO", "Lowest level of log lines written: DEBUG, INFO, WARNING or ERROR."),
    Setting("PROMETHEUS_MULTIPROC_DIR", "", "Folder where the worker processes of one server pool their /metrics; the gunicorn config sets one."),
    Setting("IVR_SIMULATOR", "1", "Serve the web simulator at /simulator (0 switches it off: it then answers 404)."),
    Setting("IVR_SIMULATOR_PASSWORD", "", "Operator password the simulator asks for before anyone may use it; empty means no password, "
                                          "which in production keeps the simulator off."),
    Setting("IVR_PASSWORD_KEY", "", "Secret key (at least 32 characters) under which callers' service passwords are hashed; empty means "
                                    "a random key kept in the instance folder. Servers on several machines must share one, and it "
                                    "must never change while the accounts' hashes were made with it."),
    Setting("IVR_RETENTION_DAYS", "90", "Days call records (calls, their steps and their text messages) are kept; older ones are deleted at start-up, daily while serving, and by `ivr purge`."),
    Setting("IVR_SECRET_KEY", "", "Key (at least 32 characters) that signs the pages' session cookies and form tokens; empty means "
                                  "one derived from the password key, which processes sharing the instance folder agree on."),
)

# Below this a key could be guessed; `openssl rand -hex 32` makes 64 characters.
MIN_KEY_LENGTH = 32
ENVIRONMENTS = ("development", "production")


class ConfigError(ValueError):
    """A setting that stops the server from starting; the message is the one line an operator reads."""


def is_production(config) -> bool:
    return config["IVR_ENV"] == "production"


def trusted_hosts(config) -> list[str]:
    return [host.strip() for host in config["IVR_TRUSTED_HOSTS"].split(",") if host.strip()]


def check(config) -> None:
    """Raise ConfigError naming the first setting that is wrong, or missing where callers are served."""
    if config["IVR_ENV"] not in ENVIRONMENTS:
        raise ConfigError(f"IVR_ENV must be development or production, not {config['IVR_ENV']!r}")
    _check_public_url(config)
    for name, use in (("IVR_PASSWORD_KEY", "callers' passwords are hashed"), ("IVR_SECRET_KEY", "the pages' cookies are signed")):
        _check_key(config, name, use)


def _check_key(config, name: str, use: str) -> None:
    key = config[name]
    if key and len(key) < MIN_KEY_LENGTH:
        raise ConfigError(f"{name} has {len(key)} characters, but the key under which {use} must have at least "
                          f"{MIN_KEY_LENGTH} (make one with `openssl rand -hex 32`)")
    if not key and is_production(config):
        raise ConfigError(f"IVR_ENV=production needs {name}, the key under which {use}, shared by every replica "
                          "(make one with `openssl rand -hex 32`)")


def _check_public_url(config) -> None:
    """Signatures must be checked against a URL this server was told, or a host it was told to accept."""
    public = config["IVR_PUBLIC_URL"]
    if public and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", public):
        raise ConfigError(f"IVR_PUBLIC_URL must be the base URL Twilio calls, like https://hotline.example.org, not {public!r}")
    if public or trusted_hosts(config):
        return
    if is_production(config):
        raise ConfigError("IVR_ENV=production needs IVR_PUBLIC_URL (the URL Twilio calls) or IVR_TRUSTED_HOSTS: otherwise "
                          "Twilio signatures would be checked against whatever host a client names")
    if config["IVR_TRUST_PROXY"] == "1":
        raise ConfigError("IVR_TRUST_PROXY=1 needs IVR_PUBLIC_URL (the URL Twilio calls) or IVR_TRUSTED_HOSTS: otherwise "
                          "Twilio signatures would be checked against whatever X-Forwarded-Host a client sends")


def from_environment() -> dict:
    return {setting.name: os.environ.get(setting.name, setting.default) for setting in SETTINGS}
