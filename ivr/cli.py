"""The `ivr` command: serve the hotline and look after its data."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ivr.content.version import HotlineError


@click.group()
def main() -> None:
    """The medical-insurance hotline."""


def _app(**overrides):
    from ivr import create_app
    from ivr.config import ConfigError
    from ivr.storage.passwords import BadPasswordKey
    from ivr.storage.store import BackendUnavailable

    from ivr.content.checks import folders
    from ivr.content.yamlsource import SourceError
    from ivr.web.startup import refusal

    try:
        return create_app(overrides or None)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except (HotlineError, SourceError) as exc:
        # Operators get file:line and what is wrong, in Chinese and English, not a traceback.
        for line in refusal(*folders(None), exc):
            click.echo(line, err=True)
        sys.exit(2)
    except BadPasswordKey as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except BackendUnavailable as exc:
        click.echo(f"error: cannot reach the database or Redis ({exc}); check DATABASE_URL and REDIS_URL", err=True)
        sys.exit(2)


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest revision (servers also do this when they start)."""
    from ivr.storage import migrate

    store = _app(IVR_LOAD_DEMO="0").extensions["ivr.store"]
    engine = store.sql
    click.echo(f"{engine.url.render_as_string(hide_password=True)} is at revision {migrate.current(engine)} (latest {migrate.head()})")
    store.close()


def pages(config, base: str) -> list[str]:
    """The banner's lines naming the pages a person opens in a browser, those that are switched on."""
    from ivr.web.protection import simulator_enabled

    lines = [f"Start page on {base}/"]
    if simulator_enabled(config):
        lines.append(f"Simulator on {base}/simulator (try the menus in a browser)")
    if config["IVR_OPERATOR_PASSWORD"]:
        lines.append(f"Operator dashboard on {base}/operator (IVR_OPERATOR_PASSWORD)")
    return lines


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
def serve(host: str, port: int, threads: int) -> None:
    """Run the hotline with waitress (SQLite and the files in prompts/ and data/; no other service)."""
    import waitress

    app = _app()
    refused = app.extensions["ivr.versions"].status()["error"]
    if refused:
        click.echo("warning: prompts/ or data/ have errors, so the last good version is served until they are fixed:",
                   err=True)
        for line in refused:
            click.echo(f"  {line}", err=True)
    try:
        server = waitress.create_server(app, host=host, port=port, threads=threads, ident="ivr")
    except OSError as exc:
        click.echo(f"error: cannot listen on {host}:{port} ({exc.strerror or exc}); stop what uses it or pass --port",
                   err=True)
        sys.exit(2)
    click.echo(f"Hotline on http://{host}:{port}/voice (Twilio webhook)")
    for line in pages(app.config, f"http://{host}:{port}"):
        click.echo(line)
    if not app.config["TWILIO_AUTH_TOKEN"]:
        click.echo("warning: TWILIO_AUTH_TOKEN is not set, so every webhook request is refused (403).", err=True)
    server.print_listen("Serving on http://{}:{}")
    server.run()


@main.command()
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check(path: str | None, strict: bool) -> None:
    """Check prompts/ and data/ (under PATH, or the configured folders) and exit 1 on any error."""
    from ivr.content.checks import run
    from ivr.tools.effort import check_warnings

    # The callers' paths are measured by playing them through the hotline, a tool above the content layer.
    sys.exit(run(path, strict, click.echo, more=check_warnings))


@main.command()
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def effort(path: str | None, as_json: bool) -> None:
    """Seconds of speech and keys on each path of settings.effort (PATH/prompts and PATH/data, or the configured
    folders); exit 1 when a path, the main menu or the options are over their budget, 2 when the files have errors."""
    import json

    from ivr.content.checks import folders
    from ivr.content.yamlsource import SourceError
    from ivr.tools.effort import measure, render

    try:
        report = measure(*folders(path))
    except (HotlineError, SourceError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in render(report):
            click.echo(line)
    sys.exit(0 if report.ok else 1)


@main.command("map")
@click.option("--output", "-o", default=None, type=click.Path(dir_okay=False),
              help="The HTML file to write (default: menumap.html in the system's temporary folder, under ivr/).")
def map_command(output: str | None) -> None:
    """Draw the whole menu tree as an HTML page (also served at /map)."""
    from ivr.content.checks import folders
    from ivr.web.menumap import DEFAULT_OUTPUT, write

    try:
        click.echo(f"wrote {write(*folders(None), Path(output) if output else DEFAULT_OUTPUT)}")
    except HotlineError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@main.command("test")
@click.argument("path", required=False, type=click.Path(exists=True))
@click.option("--verbose", "-v", is_flag=True, help="Print every scenario's transcript, not only the failed ones'.")
@click.option("--version", "number", type=int, default=None, help="Test published version N instead of the files on disk.")
def test_scenarios(path: str | None, verbose: bool, number: int | None) -> None:
    """Run operators' scenarios (PATH: a file or folder; default prompts/scenarios) against prompts/ and data/ on disk.

    The files are checked first as `ivr check --strict` checks them: a broken edit fails here with its file:line
    errors instead of the scenarios quietly running on the last version that was good.
    """
    import tempfile

    from ivr.content.checks import folders

    prompts, data = folders(None)
    scenarios = Path(path) if path else prompts / "scenarios"
    if number is None:
        sys.exit(_test(prompts, data, scenarios, verbose))
    from ivr.content.publishing import as_bytes
    from ivr.tools.publish import say, written_out

    version = _published().get(number)
    if version is None:
        click.echo(say("no_such_version", number=number), err=True)
        sys.exit(2)
    with tempfile.TemporaryDirectory(prefix="ivr-version-") as folder:
        sys.exit(_test(*written_out(as_bytes(version.files), Path(folder), data / "accounts.yaml"), scenarios, verbose))


def _test(prompts: Path, data: Path, scenarios: Path, verbose: bool) -> int:
    from ivr.content.checks import blocking, format_problem
    from ivr.content.yamlsource import SourceError
    from ivr.tools.scenarios import report, run_all

    problems = blocking(prompts, data)
    for problem in problems:
        click.echo(format_problem(problem), err=True)
    if problems:
        return 1
    try:
        outcomes = run_all(prompts, data, scenarios)
    except (SourceError, HotlineError) as exc:
        click.echo(format_problem(exc) if isinstance(exc, SourceError) else f"error: {exc}", err=True)
        return 2
    return report(outcomes, click.echo, verbose)


def _published():
    """The published versions in the hotline's database (DATABASE_URL, or SQLite in the instance folder)."""
    from ivr.config import from_environment
    from ivr.storage.passwords import Passwords, instance_key
    from ivr.storage.store import BackendUnavailable, Store
    from ivr.web.app import database_url, instance_folder

    config = from_environment()
    instance = instance_folder()
    instance.mkdir(parents=True, exist_ok=True)
    store = Store(database_url(config, instance), passwords=Passwords(instance_key(config["IVR_PASSWORD_KEY"], instance)))
    # The command's connections are closed when it ends, however it ends.
    click.get_current_context().call_on_close(store.close)
    try:
        store.create_schema()
    except BackendUnavailable as exc:
        click.echo(f"error: cannot reach the database ({exc}); check DATABASE_URL", err=True)
        sys.exit(2)
    return store.published


def _author(given: str | None) -> str:
    import getpass

    if given:
        return given
    try:
        # LOGNAME, USER, LNAME or USERNAME from the environment, else the account's name.
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@main.command()
@click.option("--message", "-m", required=True, help="What changed and why, for `ivr versions`.")
@click.option("--author", default=None, help="Who publishes (default: the user name from the environment).")
def publish(message: str, author: str | None) -> None:
    """Check and test prompts/ and data/ on disk, then publish them as the next version for every server."""
    from ivr.content.checks import folders
    from ivr.content.publishing import UnreadableFile
    from ivr.tools.publish import publish as publish_files

    prompts, data = folders(None)
    try:
        status = publish_files(_published(), prompts, data, prompts / "scenarios", _author(author), message, click.echo)
    except UnreadableFile as exc:
        click.echo(f"error: {exc}", err=True)
        status = 1
    sys.exit(status)


@main.command()
def versions() -> None:
    """List the published versions, newest first; * marks the one servers run."""
    from ivr.tools.publish import listing, say

    lines = listing(_published())
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo(say("no_versions"))


@main.command()
@click.argument("old", type=int)
@click.argument("new", type=int)
def diff(old: int, new: int) -> None:
    """Show what changed from published version OLD to version NEW."""
    from ivr.content.publishing import diff as difference
    from ivr.tools.publish import say

    published = _published()
    found = {number: published.get(number) for number in (old, new)}
    for number, version in found.items():
        if version is None:
            click.echo(say("no_such_version", number=number), err=True)
            sys.exit(2)
    lines = difference(found[old], found[new])
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo(say("no_difference", old=old, new=new))


@main.command()
@click.argument("number", type=int)
@click.option("--message", "-m", default=None, help="Why (default: rollback to version N).")
@click.option("--author", default=None, help="Who rolls back (default: the user name from the environment).")
def rollback(number: int, message: str | None, author: str | None) -> None:
    """Publish version NUMBER again, as the next version, after today's checks and scenarios."""
    from ivr.content.checks import folders
    from ivr.tools.publish import rollback as roll_back

    prompts, data = folders(None)
    sys.exit(roll_back(_published(), number, prompts / "scenarios", data / "accounts.yaml", _author(author), message,
                       click.echo))


@main.command("load-demo")
@click.option("--replace", is_flag=True, help="Overwrite accounts that already exist.")
def load_demo(replace: bool) -> None:
    """Load data/accounts.yaml into the database."""
    from ivr.content.accounts import load_accounts
    from ivr.content.checks import format_problem
    from ivr.content.yamlsource import SourceError, catalogue
    from ivr.storage.store import AccountsExist

    # This command loads the file itself, so the server's own loading into an empty database is switched off.
    app = _app(IVR_LOAD_DEMO="0")
    store = app.extensions["ivr.store"]
    try:
        demo = load_accounts(Path(app.config["IVR_DATA"]) / "accounts.yaml", store.passwords)
        count = store.load_accounts(demo, replace=replace)
    except SourceError as exc:
        click.echo(format_problem(exc), err=True)
        sys.exit(2)
    except AccountsExist as exc:
        words = catalogue()["accounts_exist"]
        click.echo(f"{words['zh'].format(count=exc.count)}\n{words['en'].format(count=exc.count)}", err=True)
        sys.exit(1)
    finally:
        store.close()
    click.echo(f"loaded {count} accounts")


@main.command()
@click.argument("id_number")
def unlock(id_number: str) -> None:
    """Lift the password lock on an ID number (after checking the person's documents at a counter)."""
    from ivr.core.idnumber import check, mask

    result = check(id_number)
    if not result.ok:
        click.echo(f"error: not a valid ID number ({result.problem})", err=True)
        sys.exit(2)
    store = _app().extensions["ivr.store"]
    unlocked = store.unlock(result.number)
    store.close()
    click.echo(f"unlocked {mask(result.number)}" if unlocked else f"{mask(result.number)} was not locked")


@main.command("send-texts")
@click.option("--once", is_flag=True, help="Send what is queued or stranded now, then stop.")
def send_texts(once: bool) -> None:
    """Send the text messages callers asked for, from the Redis queue the servers fill (REDIS_URL must be set)."""
    import signal

    from ivr.telephony.texting import work
    from ivr.web.texts import messages_api

    app = _app()
    store = app.extensions["ivr.store"]
    if store.redis is None:
        click.echo("error: REDIS_URL is not set; without it each server sends its own texts", err=True)
        sys.exit(2)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    passes = []

    def stop() -> bool:
        # --once: one sweep of stranded texts and one wait on the queue.
        passes.append(True)
        return bool(stopping) or (once and len(passes) > 2)

    sent = work(store.redis, app.config["IVR_REDIS_PREFIX"], app.extensions["ivr.outbox"],
                messages_api(app.config), app.config["CLOCK"], stop, wait=1 if once else 5)
    store.close()
    click.echo(f"sent {sent} text messages")


@main.command()
@click.option("--done", "done_id", type=click.IntRange(min=1), default=None,
              help="Mark this call back done (after calling the caller back).")
def callbacks(done_id: int | None) -> None:
    """List the callers' open requests to be called back, oldest first; --done ID marks one done."""
    app = _app()
    store = app.extensions["ivr.store"]
    try:
        if done_id is not None:
            if not store.callbacks.done(done_id, app.config["CLOCK"]()):
                click.echo(f"error: no open call back {done_id}", err=True)
                sys.exit(1)
            click.echo(f"call back {done_id} done")
            return
        zone = app.extensions["ivr.versions"]().lines.timezone
        listed = store.callbacks.open()
    finally:
        store.close()
    for callback in listed:
        due = callback.due.astimezone(zone).strftime("%Y-%m-%d %H:%M") if callback.due else "asap"
        click.echo(f"{callback.id}\t{callback.requested.astimezone(zone):%Y-%m-%d %H:%M}\t{callback.number}\t"
                   f"{callback.line}\t{callback.topic}\tdue {due}")
    click.echo(f"{len(listed)} open call backs")


@main.command()
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Keep this many days of call records (default: IVR_RETENTION_DAYS).")
def purge(days: int | None) -> None:
    """Delete call records older than the retention period (servers also do this at start-up and daily)."""
    import datetime as dt

    from ivr.web.call_records import CallLog, retention

    app = _app()
    keep = dt.timedelta(days=days) if days else retention(app.config)
    store = app.extensions["ivr.store"]
    gone, steps = CallLog(store.db, keep).purge(app.config["CLOCK"]())
    store.close()
    click.echo(f"purged {gone} calls and {steps} steps older than {keep.days} days")


@main.group()
def twilio() -> None:
    """The Twilio number that sends calls to the hotline (needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)."""


def _twilio_client(ctx: click.Context):
    from ivr.config import from_environment
    from ivr.tools import twilio_numbers as twilio_admin

    settings = from_environment()
    # Tests hand in an HTTP client through the context object; people get twilio's own.
    http_client = (ctx.obj or {}).get("twilio_http_client")
    return twilio_admin.client(settings["TWILIO_ACCOUNT_SID"], settings["TWILIO_AUTH_TOKEN"], http_client)


@twilio.command("connect")
@click.option("--number", required=True, help="The Twilio number, in E.164 form (+14155550123).")
@click.option("--url", "base_url", required=True, help="The hotline's public base URL (https://your-name.ngrok.app).")
@click.pass_context
def twilio_connect(ctx: click.Context, number: str, base_url: str) -> None:
    """Point the number's voice webhook at URL/voice and its status callback at URL/voice/status."""
    from ivr.config import from_environment
    from ivr.tools import twilio_numbers as twilio_admin

    try:
        setup = twilio_admin.connect(_twilio_client(ctx), number, base_url)
    except twilio_admin.AdminError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"{setup.number}: calls go to {setup.voice_method} {setup.voice_url}")
    click.echo(f"{setup.number}: call outcomes go to {setup.status_callback_method} {setup.status_callback}")
    public = from_environment()["IVR_PUBLIC_URL"].rstrip("/")
    if public != base_url.rstrip("/"):
        # Twilio signs the URL it calls; the app checks signatures against IVR_PUBLIC_URL.
        click.echo(f"warning: IVR_PUBLIC_URL is {public or 'not set'}; set it to {base_url.rstrip('/')} where the app runs, "
                   "or every call will be refused (403)", err=True)


@twilio.command("status")
@click.option("--number", default=None, help="Only this number (E.164); all the account's numbers otherwise.")
@click.pass_context
def twilio_status(ctx: click.Context, number: str | None) -> None:
    """Show where the account's numbers send their calls and call outcomes."""
    from ivr.config import from_environment
    from ivr.tools import twilio_numbers as twilio_admin

    public = from_environment()["IVR_PUBLIC_URL"]
    try:
        if number:
            twilio_admin.check_number(number)
        found = twilio_admin.numbers(_twilio_client(ctx), number)
    except twilio_admin.AdminError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if not found:
        click.echo(f"{number or 'this account'}: no such number on the Twilio account", err=True)
        sys.exit(1)
    for setup in found:
        verdict = ""
        if public:
            verdict = "  (this hotline)" if setup.points_at(public) else "  (not this hotline's IVR_PUBLIC_URL)"
        click.echo(f"{setup.number}{verdict}")
        click.echo(f"  voice:  {setup.voice_method or '-'} {setup.voice_url or '(none)'}")
        click.echo(f"  status: {setup.status_callback_method or '-'} {setup.status_callback or '(none)'}")


# `python -m ivr.cli` runs the same command as the installed `ivr` script (without this it silently did nothing).
if __name__ == "__main__":
    main()
