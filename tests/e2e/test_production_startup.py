"""Start-up as an operator meets it: a missing or weak setting is one line and exit code 2, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
import requests

from tests.e2e.production import ROOT, production_env, stop, wait_healthy
from tests.servers import free_port

IVR = [sys.executable, "-c", "from ivr.cli import main; main()"]
# Each case: the settings changed from a complete production environment, and what the one line must name.
BROKEN = {
    "no public URL": ({"IVR_PUBLIC_URL": ""}, "IVR_PUBLIC_URL"),
    "no secret key": ({"IVR_SECRET_KEY": ""}, "IVR_SECRET_KEY"),
    "no password key": ({"IVR_PASSWORD_KEY": ""}, "IVR_PASSWORD_KEY"),
    "short password key": ({"IVR_PASSWORD_KEY": "short"}, "IVR_PASSWORD_KEY has 5 characters"),
    "short secret key": ({"IVR_SECRET_KEY": "x" * 31}, "IVR_SECRET_KEY has 31 characters"),
}


def run(command: list[str], env: dict, cwd=ROOT, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("change, reason", BROKEN.values(), ids=BROKEN.keys())
def test_gunicorn_refuses_to_start_with_one_line(tmp_path, change, reason):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'ivr.sqlite'}", TWILIO_AUTH_TOKEN="token", **change)
    done = run([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{free_port()}",
                "ivr:create_app()"], env)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    errors = [line for line in output.splitlines() if '"ERROR"' in line]
    assert len(errors) == 1 and reason in errors[0], output
    assert "Traceback" not in output


@pytest.mark.parametrize("change, reason", BROKEN.values(), ids=BROKEN.keys())
def test_serve_refuses_to_start_with_one_line(tmp_path, change, reason):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'ivr.sqlite'}", IVR_LOG_FORMAT="text", **change)
    done = run([*IVR, "serve", "--port", str(free_port())], env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and reason in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_serve_on_a_busy_port_is_one_line(tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("IVR_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'ivr.sqlite'}"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run([*IVR, "serve", "--port", str(port)], env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: cannot listen on 127.0.0.1:{port} (Address already in use); stop what uses it or pass --port"]


def test_serve_with_no_settings_runs_the_simulator_locally(tmp_path):
    """The README's first command: embedded defaults, SQLite, the simulator on, on 127.0.0.1."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("IVR_", "TWILIO_", "REDIS_URL", "DATABASE_URL"))}
    # Only the database file is moved out of the source tree's instance folder, so the test leaves nothing behind.
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'ivr.sqlite'}"
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([*IVR, "serve", "--port", str(port)], env=env, cwd=tmp_path, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        wait_healthy(port, process, log)
        session = requests.Session()
        page = session.get(f"http://127.0.0.1:{port}/simulator", timeout=5)
        assert page.status_code == 200 and 'id="dial-form"' in page.text
    finally:
        stop(process)
