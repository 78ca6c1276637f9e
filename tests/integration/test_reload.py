"""Hot reload: edits are served within seconds, broken edits never, and calls finish on the version they started on."""

import itertools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from twilio.request_validator import RequestValidator

from ivr import create_app
from ivr.tools.phone import InProcess, Phone
from tests.conftest import TOKEN
from tests.prompts import BALANCE, MAIN
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
# An operator's edit: the main menu's first option, relabelled; the prompt built from the labels follows. The new
# words must not contain the old ones.
FIRST = MAIN.options["1"]
OLD_EDIT = f"{{go: {FIRST.go}, label: {FIRST.label}}}"
NEW_EDIT = f"{{go: {FIRST.go}, label: 个人账户}}"
OLD_PROMPT = MAIN.prompt.split("，")[0] + "，"
NEW_PROMPT = OLD_PROMPT.replace(FIRST.label, "个人账户", 1)
assert FIRST.label in OLD_PROMPT and OLD_PROMPT not in NEW_PROMPT
# A placeholder misspelt in the balance's sentence: an edit that `ivr check` refuses.
BALANCE_OK = "{balance}"
BALANCE_BROKEN = "{balanse}"
assert BALANCE_OK in BALANCE.text


def balance_mark() -> str:
    """Where `ivr check` places the balance sentence's value: answers.yaml:line:column."""
    lines = (ROOT / "prompts" / "answers.yaml").read_text(encoding="utf-8").splitlines()
    number = next(n for n, line in enumerate(lines, 1) if BALANCE_OK in line)
    return f"answers.yaml:{number}:{lines[number - 1].index(':') + 3}:"


@pytest.fixture
def files(tmp_path):
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def make_app(files, clock, database):
    return create_app({
        "TESTING": True,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{database}",
        "CLOCK": clock,
        "IVR_PROMPTS": str(files / "prompts"),
        "IVR_DATA": str(files / "data"),
        "IVR_RELOAD_SECONDS": "0.05",
    })


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def wait_for(condition, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the condition never came true")


def test_an_edit_is_served_and_a_call_in_progress_keeps_its_version(files, clock, tmp_path):
    app = make_app(files, clock, tmp_path / "a.sqlite")
    versions = app.extensions["ivr.versions"]
    first = versions().version
    before = Phone(app.test_client(), TOKEN)
    assert OLD_PROMPT in "".join(before.dial())

    replace(files / "prompts" / "menus.yaml", OLD_EDIT, NEW_EDIT)
    second = wait_for(lambda: versions().version != first and versions().version)

    after = Phone(app.test_client(), TOKEN)
    assert NEW_PROMPT in "".join(after.dial())
    # The call that started before the edit hears its menu as it was, even after other calls moved on.
    assert OLD_PROMPT in "".join(before.press("*"))
    assert NEW_PROMPT in "".join(after.press("*"))
    assert versions.status() == {"version": second, "number": 2, "since": versions.status()["since"], "error": None,
                                 "error_at": None}


def test_a_broken_edit_never_takes_effect_and_is_shown(files, clock, tmp_path):
    app = make_app(files, clock, tmp_path / "b.sqlite")
    versions = app.extensions["ivr.versions"]
    good = versions().version
    replace(files / "prompts" / "answers.yaml", BALANCE_OK, BALANCE_BROKEN)
    replace(files / "prompts" / "menus.yaml", OLD_EDIT, NEW_EDIT)
    errors = wait_for(lambda: versions() and versions.status()["error"])
    assert versions().version == good
    assert any(balance_mark() in line and BALANCE_BROKEN in line for line in errors)
    # The operator sees the refusal where they try their change.
    page = app.test_client().get("/simulator").get_data(as_text=True)
    assert "最近一次修改没有生效" in page and balance_mark() in page
    caller = Phone(app.test_client(), TOKEN)
    assert OLD_PROMPT in "".join(caller.dial())
    # Fixing the mistake publishes both edits together.
    replace(files / "prompts" / "answers.yaml", BALANCE_BROKEN, BALANCE_OK)
    wait_for(lambda: versions().version != good)
    assert versions.status()["error"] is None
    assert "最近一次修改没有生效" not in app.test_client().get("/simulator").get_data(as_text=True)
    assert NEW_PROMPT in "".join(Phone(app.test_client(), TOKEN).dial())


def test_every_process_converges_and_serves_a_call_that_started_elsewhere(files, clock, tmp_path):
    shared = tmp_path / "shared.sqlite"
    first_app = make_app(files, clock, shared)
    caller = Phone(first_app.test_client(), TOKEN)
    versions = first_app.extensions["ivr.versions"]
    old = versions().version
    caller.dial()
    replace(files / "prompts" / "menus.yaml", OLD_EDIT, NEW_EDIT)
    wait_for(lambda: versions().version != old)
    # A process started after the edit has never loaded the old version; it reads it from the shared archive.
    second_app = make_app(files, clock, shared)
    assert second_app.extensions["ivr.versions"]().version == first_app.extensions["ivr.versions"]().version
    caller.transport = InProcess(second_app.test_client())
    assert OLD_PROMPT in "".join(caller.press("*"))
    assert NEW_PROMPT in "".join(Phone(second_app.test_client(), TOKEN).dial())


def test_a_real_server_reloads_and_survives_a_broken_edit(files, tmp_path):
    port = free_port()
    env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN, IVR_PROMPTS=str(files / "prompts"), IVR_DATA=str(files / "data"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite'}", IVR_RELOAD_SECONDS="0.2", IVR_PUBLIC_URL=f"http://127.0.0.1:{port}")
    env.pop("REDIS_URL", None)
    log = open(tmp_path / "serve.log", "w+")
    server = subprocess.Popen([sys.executable, "-c", "from ivr.cli import main; main()", "serve", "--port", str(port)], env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    validator = RequestValidator(TOKEN)

    calls = itertools.count()

    def dial(name: str) -> str:
        # A new CallSid every time: a CallSid that was answered once is never started again.
        sid = f"{name}x{next(calls)}"
        url = f"http://127.0.0.1:{port}/voice"
        params = {"CallSid": sid, "To": "+861012393", "From": "+8613900000000", "CallStatus": "in-progress"}
        response = requests.post(url, data=params, headers={"X-Twilio-Signature": validator.compute_signature(url, params)}, timeout=5)
        assert response.status_code == 200
        return response.text

    try:
        wait_for(lambda: _answers(port), 20)
        assert OLD_PROMPT in dial("CAreload1")
        replace(files / "prompts" / "menus.yaml", OLD_EDIT, NEW_EDIT)
        wait_for(lambda: NEW_PROMPT in dial("CAreload2"))
        (files / "prompts" / "menus.yaml").write_text("nodes: [\n", encoding="utf-8")
        # Every request looks for edits; the broken one is logged with its place, and calls go on as before.
        wait_for(lambda: NEW_PROMPT in dial("CAreload3") and "menus.yaml:2:1" in (tmp_path / "serve.log").read_text(encoding="utf-8"))
        assert NEW_PROMPT in dial("CAreload4")
    finally:
        server.terminate()
        server.wait(10)
        log.close()


def _answers(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/voice", timeout=1)
        return True
    except requests.ConnectionError:
        return False


def test_a_process_started_on_broken_files_serves_the_last_good_version(files, clock, tmp_path):
    """A worker recycled after a broken edit must not take the line down: it boots on what its siblings serve."""
    first = make_app(files, clock, tmp_path / "e.sqlite")
    good = first.extensions["ivr.versions"]().version
    replace(files / "prompts" / "menus.yaml", '"3": {go: rebate,', '"3": {go: rebat,')
    restarted = create_app({**first.config, "IVR_RELOAD_SECONDS": "0.05"})
    versions = restarted.extensions["ivr.versions"]
    assert versions().version == good
    assert any("there is no node called 'rebat'" in line or "rebat" in line for line in versions.status()["error"])
    caller = Phone(restarted.test_client(), TOKEN)
    caller.dial()
    assert caller.press("3")[0].startswith("查询北京的标准")
    # Once fixed, the edit is served as usual.
    replace(files / "prompts" / "menus.yaml", '"3": {go: rebat,', '"3": {go: rebate,')
    replace(files / "prompts" / "menus.yaml", OLD_EDIT, NEW_EDIT)
    wait_for(lambda: versions().version != good)
    assert versions.status()["error"] is None


def test_a_first_start_on_broken_files_stops_with_file_and_line(files, tmp_path):
    """With no good version of these folders to fall back on, the operator sees the problem at once."""
    from ivr.content.version import HotlineError

    replace(files / "prompts" / "menus.yaml", '"3": {go: rebate,', '"3": {go: rebat,')
    with pytest.raises(HotlineError, match=r"menus\.yaml:\d+:\d+:"):
        create_app({
            "TESTING": True,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'f.sqlite'}",
            "IVR_PROMPTS": str(files / "prompts"),
            "IVR_DATA": str(files / "data"),
        })


def test_processes_forked_together_note_the_version_they_serve_without_tripping_each_other(files, clock, tmp_path):
    """Gunicorn forks its workers from one process at the same moment, and each notes its last good version."""
    versions = make_app(files, clock, tmp_path / "ivr.sqlite").extensions["ivr.versions"]
    children = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            # A child: note the version many times, as workers booting together do, and report by exit status.
            try:
                for _ in range(300):
                    versions._remember(versions.current)
            except BaseException:
                os._exit(1)
            os._exit(0)
        children.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in children]
    assert statuses == [0] * 4


def serve_while(app, seconds: float, until=None) -> list[float]:
    """Callers dialling one after another for a while: how long each first answer took."""
    took = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and until()):
        started = time.monotonic()
        assert OLD_PROMPT in "".join(Phone(app.test_client(), TOKEN).dial())
        took.append(time.monotonic() - started)
    return took


@pytest.mark.parametrize("old, new, reason", [
    # Twilio refuses a voice that does not speak the language: every <Say> of every call would fail.
    ("voice: Polly.Zhiyu", "voice: Polly.Joanna", "Polly.Joanna"),
    # A voice Twilio does not know, which `ivr check --strict` refuses as a warning.
    ("voice: Polly.Zhiyu", "voice: Polly.Nobody", "Polly.Nobody"),
])
def test_hot_reload_refuses_what_ivr_check_refuses(files, clock, tmp_path, old, new, reason):
    app = make_app(files, clock, tmp_path / "g.sqlite")
    versions = app.extensions["ivr.versions"]
    good = versions().version
    replace(files / "prompts" / "settings.yaml", old, new)
    errors = wait_for(lambda: versions() and versions.status()["error"])
    assert any("settings.yaml:" in line and reason in line for line in errors)
    assert versions().version == good
    assert OLD_PROMPT in "".join(Phone(app.test_client(), TOKEN).dial())


def test_hot_reload_refuses_announcements_that_lead_only_to_each_other(files, clock, tmp_path):
    app = make_app(files, clock, tmp_path / "h.sqlite")
    versions = app.extensions["ivr.versions"]
    good = versions().version
    with (files / "prompts" / "menus.yaml").open("a", encoding="utf-8") as menus:
        menus.write('\n  loop_a:\n    type: say\n    text: "一。"\n    next: loop_b\n'
                    '  loop_b:\n    type: say\n    text: "二。"\n    next: loop_a\n')
    replace(files / "prompts" / "menus.yaml", '"3": {go: rebate,', '"3": {go: loop_a,')
    errors = wait_for(lambda: versions() and versions.status()["error"])
    assert any("menus.yaml:" in line and "loop_a" in line for line in errors)
    assert versions().version == good


# How long the reload below takes: long enough that a request waiting for it is told from a slow one.
RELOAD_SECONDS = 4


def test_a_request_never_waits_for_a_reload(files, clock, tmp_path, monkeypatch):
    from ivr.content import versions as module

    app = make_app(files, clock, tmp_path / "i.sqlite")
    versions = app.extensions["ivr.versions"]
    good = versions().version
    load = module.load_hotline

    def slow(*args):
        # Reading and checking a large edit takes seconds.
        time.sleep(RELOAD_SECONDS)
        return load(*args)

    monkeypatch.setattr(module, "load_hotline", slow)
    replace(files / "prompts" / "menus.yaml", OLD_EDIT, OLD_EDIT + " ")
    took = serve_while(app, 3 * RELOAD_SECONDS, until=lambda: versions.current.version != good)
    assert versions.current.version != good
    # A request that waited for the reload would take all of it; half leaves room for a busy machine's slow request
    # (the test process also runs the background threads of earlier tests' servers).
    assert len(took) > 10 and max(took) < RELOAD_SECONDS / 2, max(took)


def test_any_exception_while_reloading_is_a_refused_edit_not_an_error_to_callers(files, clock, tmp_path, monkeypatch):
    from ivr.content import versions as module

    app = make_app(files, clock, tmp_path / "j.sqlite")
    versions = app.extensions["ivr.versions"]
    good = versions().version

    def broken(*args):
        raise RecursionError("maximum recursion depth exceeded while reading the edit")

    monkeypatch.setattr(module, "load_hotline", broken)
    replace(files / "prompts" / "menus.yaml", OLD_EDIT, NEW_EDIT)
    serve_while(app, 5, until=lambda: versions.status()["error"])
    assert any("maximum recursion depth" in line for line in versions.status()["error"])
    assert versions().version == good
    assert OLD_PROMPT in "".join(Phone(app.test_client(), TOKEN).dial())


def billion_laughs() -> str:
    """About 400 bytes that expand to 387 million strings if a reader follows every alias."""
    lines = ['reading:', '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_edit_is_refused_while_callers_are_answered_quickly(files, clock, tmp_path):
    app = make_app(files, clock, tmp_path / "k.sqlite")
    versions = app.extensions["ivr.versions"]
    good = versions().version
    (files / "prompts" / "laughs.yaml").write_text(billion_laughs(), encoding="utf-8")
    took = serve_while(app, 20, until=lambda: versions.status()["error"])
    assert versions.status()["error"], "the edit was neither refused nor published"
    assert versions().version == good
    assert took and max(took) < 1.0, max(took)


def test_a_version_kept_from_before_a_check_existed_is_checked_again(files, clock, tmp_path):
    """A copy of a version archived by an earlier release is no way around today's checks."""
    from ivr.content.versions import _version

    app = make_app(files, clock, tmp_path / "k.sqlite")
    versions = app.extensions["ivr.versions"]
    good = versions().version
    settings = files / "prompts" / "settings.yaml"
    edited = settings.read_text(encoding="utf-8").replace("voice: Polly.Zhiyu", "voice: Polly.Joanna")
    files_now = {name: path.read_bytes() for name, path in versions._files()}
    files_now["prompts/settings.yaml"] = edited.encode("utf-8")
    kept = versions.archive / _version(files_now)
    shutil.copytree(files / "prompts", kept / "prompts", dirs_exist_ok=True)
    shutil.copytree(files / "data", kept / "data", dirs_exist_ok=True)
    (kept / "prompts" / "settings.yaml").write_text(edited, encoding="utf-8")
    settings.write_text(edited, encoding="utf-8")
    errors = wait_for(lambda: versions() and versions.status()["error"])
    assert any("settings.yaml:" in line and "Polly.Joanna" in line for line in errors)
    assert versions().version == good


def test_a_laptop_server_publishes_each_valid_save_and_follows_a_rollback(files, clock, tmp_path, monkeypatch):
    """`ivr serve` as it comes: saves are published as versions by themselves, broken ones never."""
    from click.testing import CliRunner
    from sqlalchemy import create_engine, select

    from ivr.cli import main
    from ivr.storage.schema import content_versions

    database = tmp_path / "laptop.sqlite"
    app = make_app(files, clock, database)
    versions = app.extensions["ivr.versions"]
    shipped = versions().version
    assert versions.status()["number"] == 1
    replace(files / "prompts" / "menus.yaml", OLD_EDIT, NEW_EDIT)
    wait_for(lambda: versions() and versions.status()["number"] == 2)
    assert NEW_PROMPT in "".join(Phone(app.test_client(), TOKEN).dial())

    replace(files / "prompts" / "settings.yaml", "voice: Polly.Zhiyu", "voice: Polly.Joanna")
    errors = wait_for(lambda: versions() and versions.status()["error"])
    assert any("settings.yaml:" in line and "Polly.Joanna" in line for line in errors)
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        rows = conn.execute(select(content_versions.c.number, content_versions.c.author)).all()
    engine.dispose()
    assert rows == [(1, "ivr serve"), (2, "ivr serve")]

    # A rollback through the command is served although the files on disk did not change.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("IVR_PROMPTS", str(files / "prompts"))
    monkeypatch.setenv("IVR_DATA", str(files / "data"))
    assert CliRunner().invoke(main, ["rollback", "1"]).exit_code == 0
    wait_for(lambda: versions() and versions.status()["number"] == 3)
    assert versions().version == shipped
    assert OLD_PROMPT in "".join(Phone(app.test_client(), TOKEN).dial())
    # A restart is no save: the rollback stays, though the files on disk still hold version 2 (less the broken voice).
    # The first server is shut down first; while it ran, the fixed voice was a save that it would have published.
    versions.stop()
    replace(files / "prompts" / "settings.yaml", "voice: Polly.Joanna", "voice: Polly.Zhiyu")
    restarted = make_app(files, clock, database).extensions["ivr.versions"]
    assert restarted.status()["number"] == 3 and restarted().version == shipped
