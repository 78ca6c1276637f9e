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
    Setting("IVR_LOAD_DEMO", "1", "Load data/accounts.yaml into an empty database at start-up (0 to switch off)."),
)


def from_environment() -> dict:
    return {setting.name: os.environ.get(setting.name, setting.default) for setting in SETTINGS}
