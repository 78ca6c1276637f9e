"""python -m bench: webhook latency and throughput of the hotline under gunicorn, next to a bare Flask ceiling.

Every server is measured twice with the same callers: saturated, each caller sending its next request as soon as
it has the last answer, for throughput and CPU cost; then paced, the callers together offering a fixed rate, for
the latency a caller sees at that rate. By default the paced rate is the share of the ceiling's throughput that
the hotline aims to reach.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

from .load import run
from .menus import make_prompts
from .servers import Gunicorn

TOKEN = "bench-auth-token"
# The aim: at least this share of the ceiling's throughput, so the paced runs offer this share by default.
AIM_SHARE = 0.6


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def summary(result) -> dict:
    """Request counts and latency percentiles of one run, with the steps that check a password apart."""
    count = len(result.latencies)
    others = sorted(result.latencies)
    for latency in result.password_latencies:
        others.remove(latency)
    return {
        "requests": count, "calls": result.calls, "errors": result.errors,
        "rps": count / result.seconds if result.seconds else 0.0,
        "p50": percentile(result.latencies, 0.50) * 1000, "p99": percentile(result.latencies, 0.99) * 1000,
        "other_p50": percentile(others, 0.50) * 1000, "other_p99": percentile(others, 0.99) * 1000,
        "password_p50": percentile(result.password_latencies, 0.50) * 1000,
        "mean": statistics.fmean(result.latencies) * 1000 if count else float("nan"),
    }


def measure(name: str, app: str, env: dict, args, workdir: Path, rate: float | None) -> dict:
    """Measure one server saturated, then paced at `rate` requests per second in total (none if rate is 0).

    With rate None the paced run offers AIM_SHARE of this server's own saturated throughput: that is how the
    ceiling sets the rate for the other servers.
    """
    server = Gunicorn(app, {"TWILIO_AUTH_TOKEN": TOKEN, **env}, workers=args.workers,
                      log_path=workdir / f"{name.replace(' ', '_').replace(',', '')}.log")
    server.env["IVR_PUBLIC_URL"] = server.url
    with server:
        # A short warm-up fills connection pools and caches before the measured runs.
        run(server.url, TOKEN, args.callers, min(2.0, args.seconds), args.max_requests)
        cpu_before = server.cpu_seconds()
        saturated = run(server.url, TOKEN, args.callers, args.seconds, args.max_requests)
        cpu = server.cpu_seconds() - cpu_before
        row = {"name": name, **summary(saturated)}
        row["cpu_ms"] = cpu / row["requests"] * 1000 if row["requests"] else float("nan")
        row["offered"] = AIM_SHARE * row["rps"] if rate is None else rate
        if row["offered"]:
            paced = run(server.url, TOKEN, args.callers, args.paced_seconds, args.max_requests, rate=row["offered"])
            row["paced"] = summary(paced)
        if row["errors"] or row.get("paced", {}).get("errors"):
            # The numbers of a run with errors mean little without the reason, which the server's log holds.
            print(f"{name}: requests failed; the end of the server's log:{server.log_tail()}", file=sys.stderr)
    return row


def table(rows: list[dict]) -> str:
    ceiling = rows[0]["rps"] or 1.0
    lines = ["| server | requests | errors | req/s | share of ceiling | p50 ms | p99 ms | server CPU ms/request "
             "| steps without a password check: p50 ms | p99 ms | password steps: p50 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['name']} | {row['requests']} | {row['errors']} | {row['rps']:.0f} | "
                     f"{row['rps'] / ceiling:.2f} | {row['p50']:.1f} | {row['p99']:.1f} | {row['cpu_ms']:.2f} | "
                     f"{row['other_p50']:.1f} | {row['other_p99']:.1f} | {row['password_p50']:.1f} |")
    return "\n".join(lines)


def paced_table(rows: list[dict]) -> str:
    lines = ["| server | offered req/s | achieved req/s | errors | p50 ms | p99 ms "
             "| p99 of steps without a password check ms |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        paced = row["paced"]
        lines.append(f"| {row['name']} | {row['offered']:.0f} | {paced['rps']:.0f} | {paced['errors']} | "
                     f"{paced['p50']:.1f} | {paced['p99']:.1f} | {paced['other_p99']:.1f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--callers", type=int, default=32,
                        help="concurrent scripted callers (calls in progress; they share at most 64 connections)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured run")
    parser.add_argument("--rate", type=float, default=None,
                        help=f"requests per second in total of the paced runs (default: {AIM_SHARE} of the "
                             "ceiling's saturated throughput; 0 skips the paced runs)")
    parser.add_argument("--paced-seconds", type=float, default=None,
                        help="length of each paced run (default: --seconds)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop a run after this many requests")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (the same for every server)")
    parser.add_argument("--nodes", default="10,5000", help="menu sizes to measure, comma-separated")
    parser.add_argument("--postgres", default="", help="SQLAlchemy URL of an empty PostgreSQL database to measure too")
    parser.add_argument("--redis", default="", help="Redis URL to use with --postgres")
    args = parser.parse_args(argv)
    if args.paced_seconds is None:
        args.paced_seconds = args.seconds
    if not (1 <= args.callers <= 10_000 and 0 < args.seconds <= 120 and 0 < args.paced_seconds <= 120):
        parser.error("callers must be 1-10000 and seconds and paced seconds at most 120")
    if args.rate is not None and args.rate < 0:
        parser.error("rate must not be negative")

    rows = []
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as tmp:
        workdir = Path(tmp)
        rows.append(measure("ceiling (bare Flask)", "bench.ceiling:app", {}, args, workdir, args.rate))
        print(f"measured {rows[-1]['name']}", file=sys.stderr)
        rate = rows[0]["offered"]
        backends = [("SQLite", lambda size: {"DATABASE_URL": f"sqlite:///{workdir / f'bench-{size}.sqlite'}",
                                             "REDIS_URL": ""})]
        if args.postgres:
            backends.append(("PostgreSQL+Redis", lambda size: {"DATABASE_URL": args.postgres, "REDIS_URL": args.redis,
                                                               "IVR_REDIS_PREFIX": f"bench{size}:"}))
        for label, backend in backends:
            for size in [int(n) for n in args.nodes.split(",")]:
                prompts = make_prompts(workdir / f"prompts-{label}-{size}", size)
                env = {**backend(size), "IVR_PROMPTS": str(prompts), "IVR_LOG_LEVEL": "WARNING"}
                rows.append(measure(f"hotline, {label}, {size} nodes", "ivr:create_app()", env, args, workdir, rate))
                print(f"measured {rows[-1]['name']}", file=sys.stderr)
    print(f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
          f"{args.workers} gunicorn workers (gthread, 4 threads), {args.callers} concurrent callers, "
          f"{args.seconds:g} s per run")
    print(table(rows))
    if rate:
        print(f"\nPaced: the {args.callers} callers together offer {rate:.0f} req/s "
              f"({'given by --rate' if args.rate else f'{AIM_SHARE} of the ceiling'}), each on a fixed schedule "
              f"of its own; {args.paced_seconds:g} s per run. Latency counts from each request's scheduled send "
              "time, so a server that falls behind is charged for the wait.")
        print(paced_table(rows))
    runs = rows + [row["paced"] for row in rows if "paced" in row]
    return 1 if any(run["errors"] or not run["requests"] for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
