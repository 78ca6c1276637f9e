"""A broken data file stops `ivr serve` and gunicorn with file:line and status 2; a running server keeps serving.

Each server runs as its own process, as an operator starts it, so that what reaches the terminal is checked whole.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr import create_app
from ivr.cli import main
from ivr.content.prompts import load_script
from ivr.tools.phone import Phone
from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[2]

# (file, old, new, a fragment of the line the mistake is on)
BREAKS = {
    "accounts.yaml": ("  balance: '5678.90'\n", "  balance: lots\n", "balance: lots"),
    "lines.yaml": ("      hours: always", "      hours: sometimes", "hours: sometimes"),
    "regions.yaml": ('area_codes: ["0755"]', "area_codes: [0755]", "area_codes: [0755]"),
    "menus.yaml": ('      "3": {go: rebate,', '      "3": {go: [rebate,', '"3": {go: [rebate'),
}


@pytest.fixture
def files(tmp_path):
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def break_file(files: Path, name: str) -> tuple[Path, int]:
    """Break one file as BREAKS says; return it and the line of the mistake."""
    old, new, fragment = BREAKS[name]
    path = files / ("prompts" if name == "menus.yaml" else "data") / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in text)
    return path, line


def environment(files: Path) -> dict:
    env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN, IVR_PROMPTS=str(files / "prompts"), IVR_DATA=str(files / "data"),
               DATABASE_URL=f"sqlite:///{files / 'ivr.sqlite'}", IVR_LOAD_DEMO="1")
    env.pop("REDIS_URL", None)
    return env


@pytest.mark.parametrize("name", list(BREAKS))
def test_ivr_serve_refuses_a_broken_file_with_its_line_and_status_2(files, name):
    path, line = break_file(files, name)
    done = subprocess.run([sys.executable, "-c", "from ivr.cli import main; main()", "serve", "--port", "0"],
                          env=environment(files), capture_output=True, text=True, timeout=120, cwd=files)
    assert done.returncode == 2, done.stderr
    assert f"{path.name}:{line}:" in done.stderr
    assert "error/错误" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize("name", ["accounts.yaml", "regions.yaml"])
def test_gunicorn_refuses_a_broken_file_with_its_line_and_status_2(files, name):
    path, line = break_file(files, name)
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "-b", "127.0.0.1:0",
               "ivr:create_app()"]
    done = subprocess.run(command, env=environment(files), capture_output=True, text=True, timeout=120, cwd=files)
    assert done.returncode == 2, done.stderr
    assert f"{path.name}:{line}:" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_load_demo_twice_says_so_without_an_id_or_a_hash(files, monkeypatch):
    for key, value in environment(files).items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    first = runner.invoke(main, ["load-demo"])
    assert first.exit_code == 0, first.output
    assert "loaded 8 accounts" in first.output
    again = runner.invoke(main, ["load-demo"])
    assert again.exit_code == 1
    assert "--replace" in again.output and "8 of the accounts" in again.output
    assert "IntegrityError" not in again.output and "440305198503150016" not in again.output
    assert not isinstance(again.exception, Exception) or isinstance(again.exception, SystemExit)
    assert runner.invoke(main, ["load-demo", "--replace"]).exit_code == 0


def wait_for(condition, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the condition never came true")


@pytest.mark.parametrize("name, content, code_line", [
    ("regions.yaml", b"year: 2025\nregions: &r\n  loop: *r\n", "regions.yaml:2:"),
    ("lines.yaml", b"timezone: Asia/Shanghai\n\xff\n", "lines.yaml:2:"),
    ("regions.yaml", b'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
                     b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                     b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n", "regions.yaml:"),
], ids=["recursive-alias", "not-utf8", "billion-laughs"])
def test_a_running_server_keeps_its_last_good_version(files, clock, tmp_path, name, content, code_line):
    app = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite'}",
                      "CLOCK": clock, "IVR_PROMPTS": str(files / "prompts"), "IVR_DATA": str(files / "data"),
                      "IVR_RELOAD_SECONDS": "0.05"})
    versions = app.extensions["ivr.versions"]
    good = versions().version
    (files / "data" / name).write_bytes(content)
    errors = wait_for(lambda: versions() and versions.status()["error"])
    assert versions().version == good
    assert any(code_line in line for line in errors)
    # Callers still hear the menu of the good version, not the apology.
    heard = "".join(Phone(app.test_client(), TOKEN).dial())
    script = load_script(ROOT / "prompts")
    assert script.messages.apology not in heard
    assert script.nodes[script.settings.start].prompt.split("，")[0] in heard
