"""The benchmark runs end to end with tiny numbers; it measures speed but asserts none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.load import check_loopback

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runs_calls_against_gunicorn_and_the_ceiling():
    # The command runs as an operator runs it, in a process of its own with its own event loop.
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--callers", "2", "--seconds", "0.5", "--nodes", "10", "--max-requests", "60"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "| ceiling (bare Flask) |" in out
    row = next(line for line in out.splitlines() if line.startswith("| hotline, SQLite, 10 nodes |"))
    requests, errors = row.split("|")[2:4]
    assert int(requests) > 0 and int(errors) == 0


def test_breakdown_times_storage_apart_inside_the_app():
    result = subprocess.run([sys.executable, "-m", "bench.breakdown", "--calls", "3"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {line.split("|")[1].strip(): [float(cell) for cell in line.split("|")[2:5]]
            for line in result.stdout.splitlines() if line.startswith("| ceiling") or line.startswith("| hotline")}
    ceiling, hotline = rows["ceiling (bare Flask)"], rows["hotline, SQLite"]
    assert ceiling[1] == 0 and ceiling[0] > 0
    total, storage, without = hotline
    assert 0 < storage < total and without == pytest.approx(total - storage, abs=1)


@pytest.mark.parametrize("url", ["http://10.0.0.5:8000", "http://192.168.1.2", "http://203.0.113.9:80"])
def test_benchmark_refuses_addresses_off_this_machine(url):
    with pytest.raises(ValueError, match="loopback"):
        check_loopback(url)


def test_steps_benchmark_plays_signed_menu_keys_through_wrk():
    result = subprocess.run(
        [sys.executable, "-m", "bench.steps", "--scenarios", "menu", "--runs", "1", "--seconds", "1",
         # Enough prepared requests that no connection runs out within the second on a quiet machine, where a
         # wrapped-around file would count as errors.
         "--connections", "2", "--per-connection", "5000"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for server in ("hotline, SQLite, 10 nodes", "floor: signature", "floor: signature + state on SQLite"):
        row = next(line for line in result.stdout.splitlines() if line.startswith(f"| {server} | 1 |"))
        requests, errors = row.split("|")[3:5]
        assert int(requests) > 0 and int(errors) == 0, row


def test_steps_benchmark_paces_requests_at_the_rate_asked():
    result = subprocess.run(
        [sys.executable, "-m", "bench.steps", "--scenarios", "menu", "--runs", "1", "--seconds", "3", "--no-floors",
         "--connections", "4", "--per-connection", "2000", "--rate", "100"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Paced: 100 requests a second" in result.stdout
    for server in ("ceiling (bare Flask)", "hotline, SQLite, 10 nodes"):
        row = next(line for line in result.stdout.splitlines() if line.startswith(f"| {server} | 1 |"))
        errors, rate = row.split("|")[4:6]
        # Saturated, even the hotline answers far more than 100 a second on any machine the suite runs on.
        assert int(errors) == 0 and 60 <= float(rate) <= 110, row


def test_profile_puts_each_sample_under_its_most_specific_heading():
    from bench.profile import OTHER, heading

    flask = "Flask.wsgi_app (flask/app.py:1);Flask.preprocess_request (flask/app.py:2)"
    assert heading(f"{flask};require_twilio_signature (ivr/telephony/signatures.py:3);hmac (hmac.py:4)") == \
        "signature check"
    assert heading(f"{flask};step (ivr/web/webhooks.py:5);CallFlow._finish (ivr/telephony/flow.py:6);"
                   "Store.transaction (ivr/storage/store.py:7);execute (redis/client.py:8)") == \
        "call state and step record (storage)"
    assert heading(f"{flask};step (ivr/web/webhooks.py:5);render (ivr/telephony/twiml.py:9)") == \
        "TwiML and the step URL"
    assert heading("worker (gunicorn/workers/gthread.py:1)") == "gunicorn (HTTP parsing, sockets, threads)"
    assert heading("run (threading.py:1)") == OTHER
    assert heading(f"{flask};step (ivr/web/webhooks.py:5);CallFlow._finish (ivr/telephony/flow.py:6);"
                   "Store.save_call_and_record (ivr/storage/store.py:7);execute (redis/client.py:8)") == \
        "call state and step record (storage)"
    # The floor's own stacks: the hotline's signature function, called from the floor's view; its storage.
    floor = f"{flask};Flask.dispatch_request (flask/app.py:3);create_app.<locals>.webhook (bench/floor.py:75)"
    assert heading(f"{floor};signed (ivr/telephony/signatures.py:54);compute_signature (twilio/request_validator.py:9)") \
        == "signature check"
    assert heading(f"{floor[:-3]}78);SqliteFloor.step (bench/floor.py:146)") == "call state and step record (storage)"
    assert heading(f"{floor[:-3]}78);RedisFloor.step (bench/floor.py:180)") == "call state and step record (storage)"
    assert heading("run (threading.py:1);Flusher._run (ivr/web/call_records.py:2);"
                   "Store.flush_steps (ivr/storage/store.py:3)") == "step records moved to SQL (the flusher's thread)"


@pytest.mark.parametrize("size", [10, 60])
def test_the_generated_menus_pass_the_checks_every_server_starts_with(tmp_path, size):
    # 60 nodes fill the generated tree's first menu with every option key, which a 10-node tree never uses.
    from bench.menus import make_prompts

    prompts = make_prompts(tmp_path / "prompts", size)
    result = subprocess.run([sys.executable, "-c", "from ivr.cli import main; main()", "check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "IVR_PROMPTS": str(prompts)})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
