"""Start gunicorn on a loopback port with the deployment's settings, wait until it answers, and stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """One gunicorn server on 127.0.0.1 running `app` (module:factory() or module:variable)."""

    def __init__(self, app: str, env: dict[str, str], workers: int = 2, port: int | None = None, log_path=None):
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.workers = workers
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout: float = 30) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "-w", str(self.workers),
                   "--bind", f"127.0.0.1:{self.port}", self.app]
        self._log = open(self.log_path, "ab") if self.log_path else None
        output = self._log or subprocess.DEVNULL
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=output, stderr=output)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn for {self.app} exited with {self.process.returncode}{self.log_tail()}")
            if len(self.worker_pids()) >= self.workers and self._answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn for {self.app} did not answer within {timeout} s")

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, so that a server that would not start says why."""
        if not self.log_path:
            return ""
        self._log.flush()
        tail = Path(self.log_path).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        return ":\n" + "\n".join(tail)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                return sock.recv(12).startswith(b"HTTP/1.")
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The master's child processes, read from /proc."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        """User and system CPU time of the master and its live workers so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def stop(self, timeout: float = 15) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
