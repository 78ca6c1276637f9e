"""Every setting the app reads, declared once with its default and meaning; the README lists them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS = (
    Setting("TWILIO_AUTH_TOKEN", "", "Auth token of the Twilio account; webhooks refuse every request (403) while it is empty."),
    Setting("IVR_PUBLIC_URL", "", "The public base URL Twilio calls (https://abc.ngrok.app); signatures are checked against it."),
    Setting("IVR_TRUST_PROXY", "", "Set to 1 behind a reverse proxy that sets X-Forwarded-Proto/Host, when IVR_PUBLIC_URL is not set."),
    Setting("DATABASE_URL", "", "SQLAlchemy URL of the database; empty means SQLite in the instance folder."),
    Setting("IVR_PROMPTS", str(ROOT / "prompts"), "Folder of the operators' prompts/*.yaml."),
    Setting("IVR_DATA", str(ROOT / "data"), "Folder of regions.yaml, lines.yaml and accounts.yaml."),
    Setting("IVR_RELOAD_SECONDS", "2", "How often the server looks for edits to prompts/ and data/ and serves them once valid (0 switches reloading off)."),
    Setting("IVR_LOAD_DEMO", "1", "Load data/accounts.yaml into an empty database at start-up (0 to switch off)."),
    Setting("REDIS_URL", "", "Redis URL (redis://host:6379/0) for password counters and call state shared by all processes; "
                             "empty keeps them in the database."),
    Setting("IVR_REDIS_PREFIX", "ivr:", "Prefix of every Redis key the hotline writes, so that several hotlines can share one Redis."),
    Setting("IVR_OPERATOR_PASSWORD", "", "Password of the operator page /operator (HTTP Basic, any user name); empty switches the page off."),
    Setting("TWILIO_ACCOUNT_SID", "", "Account SID (AC...) used with TWILIO_AUTH_TOKEN by `ivr twilio connect` and `ivr twilio status`."),
    Setting("IVR_LOG_FORMAT", "text", "Log lines as plain `text` for a terminal or one `json` object per line for a log collector."),
    Setting("IVR_LOG_LEVEL", "INFO", "Lowest level of log lines written: DEBUG, INFO, WARNING or ERROR."),
    Setting("PROMETHEUS_MULTIPROC_DIR", "", "Folder where the worker processes of one server pool their /metrics; the gunicorn config sets one."),
    Setting("IVR_SIMULATOR", "1", "Serve the web simulator at /simulator (0 to switch it off in production: it then answers 404)."),
    Setting("IVR_SIMULATOR_PASSWORD", "", "Operator password the simulator asks for before anyone may use it; empty means no password."),
    Setting("IVR_PASSWORD_KEY", "", "Secret key (at least 32 characters) under which callers' service passwords are hashed; empty means "
                                    "a random key kept in the instance folder. Servers on several machines must share one, and it "
                                    "must never change while the accounts' hashes were made with it."),
    Setting("IVR_RETENTION_DAYS", "90", "Days call records (calls and their steps) are kept; older ones are deleted at start-up, daily while serving, and by `ivr purge`."),
    Setting("IVR_SECRET_KEY", "", "Key that signs the simulator's session cookie; empty means a new random key at every start "
                                  "(set one when several server processes share the traffic)."),
)


def from_environment() -> dict:
    return {setting.name: os.environ.get(setting.name, setting.default) for setting in SETTINGS}
