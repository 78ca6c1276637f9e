"""Free ports, and a private PostgreSQL cluster and a private Redis, each in a temporary folder on its own port,
that tests kill and start again."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.services import absent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


class Postgres:
    """initdb and pg_ctl on a temporary folder; run as the postgres user when the tests run as root."""

    def __init__(self, folder: Path):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            absent("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin)")
        self.bin = Path(found[-1]).parent
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            user = pwd.getpwnam("postgres")
            shutil.chown(folder, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, check: bool = True) -> None:
        subprocess.run(self.prefix + [str(self.bin / args[0]), *args[1:]], check=check, capture_output=True, timeout=60)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> Postgres:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self.start()

    def start(self) -> Postgres:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")
        _wait_for_port(self.port)
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def discard(self) -> None:
        """Stop the server if it runs, whatever state the test left it in."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)


class Redis:
    """redis-server killed and started again by the test: with an append-only file synced at every write, or with
    no persistence at all (persistent=False), so that a kill forgets everything it held."""

    def __init__(self, folder: Path, persistent: bool = True):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            absent("redis-server")
        self.folder = folder
        self.port = free_port()
        self.persistence = ["--appendonly", "yes", "--appendfsync", "always"] if persistent else ["--appendonly", "no"]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             *self.persistence, "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port)
        return self

    def kill(self) -> None:
        """A crash, not a shutdown: only what the append-only file holds survives."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def ivr_servers(logs: Path, environment: dict, names=("a", "b"), start_seconds: float = 60):
    """`ivr serve` processes started at the same moment with `environment`, by port, each answering /healthz;
    stopped afterwards. A process that dies while starting fails the test with every server's log."""
    import requests

    started = {}
    for name in names:
        port = free_port()
        log = open(logs / f"server-{name}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-c", "from ivr.cli import main; main()", "serve", "--port", str(port), "--threads", "4"],
            env=environment, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        started[port] = (process, log)
    try:
        deadline = time.monotonic() + start_seconds
        for port, (process, _) in started.items():
            while True:
                assert process.poll() is None, "".join(p.read_text() for p in logs.glob("server-*.log"))
                try:
                    if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield {port: process for port, (process, _) in started.items()}
    finally:
        for process, log in started.values():
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
            log.close()
