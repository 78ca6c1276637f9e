"""The hotline as deployed: gunicorn with deploy/gunicorn.conf.py and the production settings, on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from ivr.tools.phone import Answer, Transport

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 60
PUBLIC = "https://hotline.example.org"
# Long enough for the production checks (ivr.config): 64 hex characters, as `openssl rand -hex 32` makes.
PASSWORD_KEY = "0123456789abcdef" * 4
SECRET_KEY = "fedcba9876543210" * 4


def production_env(**settings: str) -> dict:
    """The environment docker-compose.yml gives a replica, with the given settings on top."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("IVR_", "TWILIO_", "REDIS_URL"))}
    env.update({
        "IVR_ENV": "production",
        "IVR_LOG_FORMAT": "json",
        "IVR_PUBLIC_URL": PUBLIC,
        "IVR_TRUST_PROXY": "1",
        "IVR_SECRET_KEY": SECRET_KEY,
        "IVR_PASSWORD_KEY": PASSWORD_KEY,
        "WEB_CONCURRENCY": "2",
    })
    env.update(settings)
    return env


def gunicorn(port: int, env: dict, log: Path) -> subprocess.Popen:
    """Start gunicorn as the Dockerfile does, but on a loopback port; its whole output goes to log."""
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "ivr:create_app()"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )


def wait_healthy(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        assert process.poll() is None, f"gunicorn exited with {process.returncode}:\n{log.read_text()}"
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        assert time.monotonic() < deadline, f"gunicorn did not start:\n{log.read_text()}"
        time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Server(Transport):
    """Posts a phone's requests to one local port, with the Host header of the public URL as a proxy would."""

    def __init__(self, port: int, headers: dict | None = None):
        self.port = port
        self.headers = headers or {}

    def send(self, request) -> Answer:
        response = requests.post(f"http://127.0.0.1:{self.port}{request.path}", data=request.params,
                                 headers={**self.headers, **request.headers}, timeout=15)
        return Answer(response.status_code, response.text, response.headers.get("Content-Type", "").split(";")[0])
