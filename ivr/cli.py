"""The `ivr` command: serve the hotline and look after its data."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .hotline import HotlineError


@click.group()
def main() -> None:
    """The medical-insurance hotline."""


def _app():
    from . import create_app

    try:
        return create_app()
    except HotlineError as exc:
        # Operators get file:line and what is wrong, not a traceback.
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
def serve(host: str, port: int, threads: int) -> None:
    """Run the hotline with waitress (SQLite and the files in prompts/ and data/; no other service)."""
    import waitress

    app = _app()
    click.echo(f"Hotline on http://{host}:{port}/voice (Twilio webhook)")
    if not app.config["TWILIO_AUTH_TOKEN"]:
        click.echo("warning: TWILIO_AUTH_TOKEN is not set, so every webhook request is refused (403).", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="ivr")


@main.command("load-demo")
@click.option("--replace", is_flag=True, help="Overwrite accounts that already exist.")
def load_demo(replace: bool) -> None:
    """Load data/accounts.yaml into the database."""
    from .accounts import load_accounts

    app = _app()
    store = app.extensions["ivr.store"]
    count = store.load_accounts(load_accounts(Path(app.config["IVR_DATA"]) / "accounts.yaml"), replace=replace)
    click.echo(f"loaded {count} accounts")


@main.command()
@click.argument("id_number")
def unlock(id_number: str) -> None:
    """Lift the password lock on an ID number (after checking the person's documents at a counter)."""
    from .idnumber import check, mask

    result = check(id_number)
    if not result.ok:
        click.echo(f"error: not a valid ID number ({result.problem})", err=True)
        sys.exit(2)
    store = _app().extensions["ivr.store"]
    if store.unlock(result.number):
        click.echo(f"unlocked {mask(result.number)}")
    else:
        click.echo(f"{mask(result.number)} was not locked")
