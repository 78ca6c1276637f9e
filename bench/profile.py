"""python -m bench.profile: a flame graph of a gunicorn worker under load, and where a request's CPU time goes.

The hotline runs under gunicorn with the deployment's settings while wrk plays one scenario of `python -m bench.steps`
(menu keys by default). py-spy samples the two workers at once: one writes the flame graph (an SVG to open in a
browser), the other the raw stacks, from which the table is made. Only samples holding the GIL count (py-spy
--gil), so time spent waiting for SQLite, PostgreSQL or Redis is left out: the table is the workers' CPU. Each sample
is put under the most specific heading found in its stack (a signature check inside the request log's hook counts as
the signature check), and the shares are turned into microseconds with the server CPU per request of the same run.
py-spy needs to trace other processes: run it as root, or with ptrace allowed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from .menus import make_prompts
from .servers import Gunicorn
from .steps import LUA, SCENARIOS, TOKEN, forget_keys, write_requests

# Headings in order of precedence, each with the frames (function and file, as py-spy writes them) that mark it.
HEADINGS = [
    ("step records moved to SQL (the flusher's thread)", ("Flusher._run ",)),
    # The floor calls the hotline's own check by its inner function.
    ("signature check", ("require_twilio_signature ", "signed (ivr/telephony/signatures.py")),
    ("password check (the keyed hash and the attempt counters)", ("Store.attempt_password ",)),
    ("call state and step record (storage)", ("Store.load_call ", "Store.transaction ", "Store.save_call ",
                                              "Store.save_call_and_record ", "CallLog.record ", "Store.held ",
                                              "Floor.step (bench/floor.py")),
    ("other storage (accounts, locks)", ("ivr/storage/",)),
    ("TwiML and the step URL", ("(ivr/telephony/twiml.py", "step_url ")),
    ("menu engine", ("ivr/core/",)),
    ("call flow (parameters, replays, observers)", ("ivr/telephony/", "ivr/web/webhooks.py")),
    ("request log and metrics", ("ivr/web/logs.py", "ivr/web/metrics.py", "prometheus_client/")),
    ("Flask, Werkzeug and their extensions", ("flask/", "werkzeug/", "flask_limiter/", "flask_talisman/",
                                              "flask_wtf/")),
    ("gunicorn (HTTP parsing, sockets, threads)", ("gunicorn/",)),
]
OTHER = "other (garbage collection, threads starting)"


def heading(stack: str) -> str:
    for name, marks in HEADINGS:
        if any(mark in stack for mark in marks):
            return name
    return OTHER


def shares(raw: Path) -> Counter:
    """Samples per heading in py-spy's raw (collapsed) output: one stack per line, then its count."""
    counts: Counter = Counter()
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counts[heading(stack)] += int(count)
    return counts


def table(counts: Counter, cpu_ms: float) -> str:
    total = sum(counts.values()) or 1
    lines = ["| where | share of the worker's CPU | µs per request |", "|---|---|---|"]
    for name in [name for name, _ in HEADINGS] + [OTHER]:
        share = counts[name] / total
        lines.append(f"| {name} | {share:.0%} | {share * cpu_ms * 1000:.0f} |")
    lines.append(f"| all | 100% | {cpu_ms * 1000:.0f} |")
    return "\n".join(lines)


def profiled_app(args, workdir: Path) -> tuple[str, dict]:
    """The app to load and profile, and its environment: the hotline on its backend, or the floor's app."""
    env = {"TWILIO_AUTH_TOKEN": TOKEN}
    if args.floor:
        env.update(FLOOR_SQLITE=str(workdir / "floor.sqlite"), FLOOR_REDIS=args.redis,
                   FLOOR_REDIS_PREFIX="profile-floor:", FLOOR_POSTGRES=args.postgres)
        return f"bench.floor:create_app({'redis' if args.redis else 'sqlite'!r})", env
    env.update(IVR_PROMPTS=str(make_prompts(workdir / "prompts", args.nodes)), IVR_LOG_LEVEL="WARNING")
    if args.postgres:
        env.update(DATABASE_URL=args.postgres, REDIS_URL=args.redis, IVR_REDIS_PREFIX="profile:")
    else:
        env.update(DATABASE_URL=f"sqlite:///{workdir / 'profile.sqlite'}", REDIS_URL="")
    return "ivr:create_app()", env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="menu", choices=SCENARIOS)
    parser.add_argument("--seconds", type=int, default=15, help="length of the sampled load")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--nodes", type=int, default=10, help="menu size")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--out", default="profile", help="folder for flamegraph.svg and stacks.txt")
    parser.add_argument("--postgres", default="", help="SQLAlchemy URL of PostgreSQL (with --redis); default SQLite")
    parser.add_argument("--redis", default="", help="Redis URL to use with --postgres")
    parser.add_argument("--floor", action="store_true",
                        help="profile the floor's app (bench/floor.py) instead of the hotline: the state on SQLite, or "
                             "on Redis with --redis")
    args = parser.parse_args(argv)
    if bool(args.postgres) != bool(args.redis):
        parser.error("--postgres and --redis go together: the hotline keeps states in Redis and the rest in PostgreSQL")
    for tool in ("wrk", "py-spy"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is not installed (wrk: apt-get install wrk; py-spy: pip install py-spy)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ivr-profile-") as tmp:
        workdir = Path(tmp)
        server = Gunicorn(*profiled_app(args, workdir), log_path=workdir / "server.log")
        server.env["IVR_PUBLIC_URL"] = server.url
        with server:
            write_requests(workdir / "warm", server.url, args.scenario, args.connections, 3000)
            subprocess.run(["wrk", "-t", str(args.connections), "-c", str(args.connections), "-d", "2s", "-s", str(LUA),
                            server.url, "--", str(workdir / "warm")], capture_output=True, check=True)
            write_requests(workdir / "load", server.url, args.scenario, args.connections, 20 * args.seconds * 100)
            first, second = server.worker_pids()[:2]
            spies = [subprocess.Popen(["py-spy", "record", "--gil", "-r", str(args.rate), "-d", str(args.seconds),
                                       "-p", str(pid), "-f", fmt, "-o", str(out / name)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                     for pid, fmt, name in ((first, "flamegraph", "flamegraph.svg"), (second, "raw", "stacks.txt"))]
            cpu_before = server.cpu_seconds()
            load = subprocess.run(["wrk", "-t", str(args.connections), "-c", str(args.connections),
                                   "-d", f"{args.seconds}s", "-s", str(LUA), server.url, "--", str(workdir / "load")],
                                  capture_output=True, text=True, check=True).stdout
            cpu = server.cpu_seconds() - cpu_before
            for spy in spies:
                spy.wait(timeout=60)
    if args.floor and args.redis:
        forget_keys(args.redis, "profile-floor:")
    requests = int(next(line for line in load.splitlines() if line.startswith("RESULT")).split()[1].split("=")[1])
    cpu_ms = cpu / requests * 1000 if requests else float("nan")
    backend = ("floor, Redis" if args.redis else "floor, SQLite") if args.floor else \
        ("PostgreSQL+Redis" if args.postgres else "SQLite")
    print(f"{backend}, scenario `{args.scenario}`, {args.nodes}-node menu: {requests} requests in {args.seconds} s, "
          f"{cpu_ms:.2f} ms of server CPU per request; flame graph in {out / 'flamegraph.svg'}")
    print(table(shares(out / "stacks.txt"), cpu_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
