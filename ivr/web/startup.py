"""What keeps the hotline from starting, told as the operator's file:line before any server process starts.

`ivr serve` and gunicorn's master (deploy/gunicorn.conf.py) ask this first and exit with status 2 and these
lines, never a traceback. It imports neither the app nor its metrics, so that gunicorn's master stays as light
as before.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from ivr.config import from_environment
from ivr.content.accounts import check_accounts
from ivr.content.checks import blocking, format_problem
from ivr.content.version import HotlineError
from ivr.content.versions import Versions
from ivr.content.yamlsource import SourceError


def startup_problems(test_config: dict | None = None) -> list[str]:
    """Every reason the app would refuse to start, as printable lines; empty when it can start.

    The prompts and data are loaded as create_app loads them (falling back to the last good version these
    folders served, as a restarted process does), and data/accounts.yaml is checked when demo loading is on.
    """
    config = {**from_environment(), **(test_config or {})}
    prompts, data = Path(config["IVR_PROMPTS"]), Path(config["IVR_DATA"])
    # The same instance folder as create_app's, where the versions of prompts and data are kept.
    instance = Path(Flask("ivr.web", instance_relative_config=True).instance_path)
    try:
        Versions(prompts, data, instance / "versions", interval=0)
    except HotlineError as error:
        return refusal(prompts, data, error)
    if config["IVR_LOAD_DEMO"] == "1":
        return [format_problem(problem) for problem in check_accounts(data / "accounts.yaml")[1]]
    return []


def refusal(prompts: Path, data: Path, error: Exception) -> list[str]:
    """The problems behind a start-up error, in Chinese and English at file:line:column."""
    if isinstance(error, SourceError):
        return [format_problem(error)]
    return [format_problem(problem) for problem in blocking(prompts, data)] or [f"error: {error}"]
