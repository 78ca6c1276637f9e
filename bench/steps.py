"""python -m bench.steps: one kind of webhook step at a time, driven by wrk, against the bare Flask ceiling.

`python -m bench` plays whole scripted calls from a Python client, which costs about as much CPU as the server it
measures. Here wrk (a C load generator, `apt-get install wrk`) sends requests signed beforehand, so that nearly all
of the machine goes to the servers. Each wrk connection plays one file of requests in order, so that every request
is the one its call waits for:

- `menu`: one call per connection that keys 5 (a generated menu) and 9 (back to the main menu) for the whole run:
  every request is a menu key;
- `password`: one call after another per connection, each the welcome, 1 (balance), the ID number and the
  password: a quarter of the requests check a password.

The ceiling answers the same requests. Every scenario runs `--runs` times on each server in turn, and every run is
printed, with its share of the ceiling's run of the same number, the server's CPU per request and the resident
memory of each worker afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from .menus import ENTRY_KEY, make_prompts
from .servers import Gunicorn

TOKEN = "bench-auth-token"
LUA = Path(__file__).with_name("steps.lua")
ID_NUMBER, PASSWORD = "110101196106080024", "111111"
SCENARIOS = ("menu", "password")
RESULT = re.compile(r"RESULT requests=(\d+) errors=(\d+) seconds=([\d.]+) p50_us=(\d+) p99_us=(\d+)")


def call_params(call_sid: str, **extra) -> dict:
    """Twilio's parameters of a call from an unregistered mobile to the Beijing line (as ivr.tools.phone sends)."""
    return {"CallSid": call_sid, "AccountSid": "AC" + "0" * 32, "From": "+8613900000000", "To": "+861012393",
            "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01", **extra}


def menu_steps(count: int):
    """One call: the welcome, then 5 and 9 in turn."""
    sid = "CA" + uuid.uuid4().hex
    yield "/voice", call_params(sid)
    for seq in range(count - 1):
        yield f"/voice/step?seq={seq}", call_params(sid, Digits=ENTRY_KEY if seq % 2 == 0 else "9")


def password_steps(count: int):
    """Calls one after another: the welcome, 1, the ID number and the password."""
    for _ in range(count // 4 + 1):
        sid = "CA" + uuid.uuid4().hex
        yield "/voice", call_params(sid)
        for seq, digits in enumerate(("1", ID_NUMBER, PASSWORD)):
            yield f"/voice/step?seq={seq}", call_params(sid, Digits=digits)


def write_requests(folder: Path, url: str, scenario: str, connections: int, per_connection: int) -> None:
    """One file of signed requests per wrk connection: path, X-Twilio-Signature and body, tab-separated."""
    validator = RequestValidator(TOKEN)
    steps = menu_steps if scenario == "menu" else password_steps
    folder.mkdir(parents=True, exist_ok=True)
    for connection in range(connections):
        with open(folder / f"requests-{connection}.tsv", "w", encoding="utf-8") as out:
            out.writelines(f"{path}\t{validator.compute_signature(url + path, params)}\t{urlencode(params)}\n"
                           for path, params in steps(per_connection))


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wrk(server: Gunicorn, folder: Path, connections: int, seconds: float, rate: float = 0) -> dict:
    """One run of wrk: saturated, or paced at `rate` requests a second in all (each connection on its schedule)."""
    interval_ms = connections * 1000 / rate if rate else 0
    command = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "15s",
               "-s", str(LUA), server.url, "--", str(folder), f"{interval_ms:g}"]
    cpu_before = server.cpu_seconds()
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = server.cpu_seconds() - cpu_before
    match = RESULT.search(out)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    requests, errors = int(match[1]), int(match[2])
    return {"requests": requests, "errors": errors, "rps": requests / float(match[3]),
            "p50": int(match[4]) / 1000, "p99": int(match[5]) / 1000,
            "cpu_ms": cpu / requests * 1000 if requests else float("nan")}


def measure(name: str, app: str, env: dict, args, workdir: Path) -> dict[str, list[dict]]:
    """Every run of every scenario on one server, which is started once."""
    server = Gunicorn(app, {"TWILIO_AUTH_TOKEN": TOKEN, **env}, workers=args.workers,
                      log_path=workdir / f"{re.sub(r'[^a-z0-9]+', '_', name.lower())}.log")
    server.env["IVR_PUBLIC_URL"] = server.url
    runs: dict[str, list[dict]] = {}
    with server:
        for scenario in args.scenarios:
            # A short warm-up fills caches and pools; its figures are not kept.
            for number in range(args.runs + 1):
                folder = workdir / f"{scenario}-{number}"
                shutil.rmtree(folder, ignore_errors=True)
                write_requests(folder, server.url, scenario, args.connections, args.per_connection)
                row = wrk(server, folder, args.connections, 2 if number == 0 else args.seconds, args.rate)
                if number:
                    runs.setdefault(scenario, []).append(row)
                if row["errors"]:
                    print(f"{name}, {scenario}: {row['errors']} errors; the end of the server's log:"
                          f"{server.log_tail()}", file=sys.stderr)
        memory = [rss_mb(pid) for pid in server.worker_pids()]
    for rows in runs.values():
        for row in rows:
            row["rss"] = memory
    print(f"measured {name}", file=sys.stderr)
    return runs


def measure_floors(args, workdir: Path) -> list[tuple[str, dict]]:
    """The floor's apps (bench/floor.py): the signature; then the signature, the state with its record, and a
    password's attempt counted, on SQLite, and on Redis with PostgreSQL."""
    floors = [("floor: signature", "signed", {}),
              ("floor: signature + state on SQLite", "sqlite", {"FLOOR_SQLITE": str(workdir / "floor.sqlite")})]
    prefix = f"floor-{uuid.uuid4().hex[:8]}:"
    on_redis = bool(args.redis and args.postgres)
    if on_redis:
        floors.append(("floor: signature + state on Redis", "redis",
                       {"FLOOR_REDIS": args.redis, "FLOOR_REDIS_PREFIX": prefix, "FLOOR_POSTGRES": args.postgres}))
    measured = [(name, measure(name, f"bench.floor:create_app({kind!r})", env, args, workdir))
                for name, kind, env in floors]
    if on_redis:
        forget_keys(args.redis, prefix)
    return measured


def forget_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
    finally:
        client.close()


def table(scenario: str, servers: list[tuple[str, dict]]) -> str:
    ceiling = servers[0][1][scenario]
    lines = [f"Scenario `{scenario}`:",
             ("| server | run | requests | errors | req/s | share of the ceiling | server CPU ms/request | p50 ms "
              "| p99 ms | resident MB per worker |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, runs in servers:
        for number, row in enumerate(runs[scenario]):
            share = row["rps"] / ceiling[number]["rps"] if ceiling[number]["rps"] else float("nan")
            memory = ", ".join(f"{mb:.0f}" for mb in row["rss"])
            lines.append(f"| {name} | {number + 1} | {row['requests']} | {row['errors']} | {row['rps']:.0f} | "
                         f"{share:.2f} | {row['cpu_ms']:.2f} | {row['p50']:.1f} | {row['p99']:.1f} | {memory} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.steps", description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated: menu, password")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each scenario on each server")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (one thread each)")
    parser.add_argument("--per-connection", type=int, default=8000,
                        help="requests prepared per connection and run (more than one connection sends in a run)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (the same for every server)")
    parser.add_argument("--nodes", default="10", help="menu sizes to measure, comma-separated")
    parser.add_argument("--rate", type=float, default=0,
                        help="pace every run at this many requests a second in all, latency counted from each "
                             "request's due time (0: saturated, the default)")
    parser.add_argument("--floors", action=argparse.BooleanOptionalAction, default=True,
                        help="measure the floor's apps (bench/floor.py) too: what no design of the hotline removes")
    parser.add_argument("--postgres", default="", help="SQLAlchemy URL of an empty PostgreSQL database to measure too")
    parser.add_argument("--redis", default="", help="Redis URL to use with --postgres")
    args = parser.parse_args(argv)
    args.scenarios = [name for name in args.scenarios.split(",") if name]
    if not set(args.scenarios) <= set(SCENARIOS) or not args.scenarios:
        parser.error(f"scenarios are {', '.join(SCENARIOS)}")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")

    servers = []
    with tempfile.TemporaryDirectory(prefix="ivr-bench-steps-") as tmp:
        workdir = Path(tmp)
        servers.append(("ceiling (bare Flask)", measure("ceiling", "bench.ceiling:app", {}, args, workdir)))
        if args.floors:
            servers.extend(measure_floors(args, workdir))
        backends = [("SQLite", lambda size: {"DATABASE_URL": f"sqlite:///{workdir / f'steps-{size}.sqlite'}",
                                             "REDIS_URL": ""})]
        if args.postgres:
            backends.append(("PostgreSQL+Redis", lambda size: {
                "DATABASE_URL": args.postgres, "REDIS_URL": args.redis, "IVR_REDIS_PREFIX": f"steps{size}:"}))
        for label, backend in backends:
            for size in [int(n) for n in args.nodes.split(",")]:
                prompts = make_prompts(workdir / f"prompts-{label}-{size}", size)
                env = {**backend(size), "IVR_PROMPTS": str(prompts), "IVR_LOG_LEVEL": "WARNING"}
                name = f"hotline, {label}, {size} nodes"
                servers.append((name, measure(name, "ivr:create_app()", env, args, workdir)))
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
          f"{args.workers} gunicorn workers (gthread, 4 threads), wrk {args.connections} connections, "
          f"{args.seconds:g} s per run; load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    if args.rate:
        print(f"Paced: {args.rate:g} requests a second offered to every server; p50 and p99 are counted from each "
              "request's due time, so a server that falls behind pays for the wait.")
    for scenario in args.scenarios:
        print()
        print(table(scenario, servers))
    failed = any(row["errors"] or not row["requests"] for _, runs in servers[1:]
                 for rows in runs.values() for row in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
