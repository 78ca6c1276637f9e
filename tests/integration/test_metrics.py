"""/metrics: webhook latency, calls by outcome, node visits and lockouts, also summed over gunicorn workers."""

from __future__ import annotations

import os
import signal
import time

import requests
from prometheus_client.parser import text_string_to_metric_families
from twilio.request_validator import RequestValidator

from bench.servers import Gunicorn
from tests.conftest import TOKEN

LOCKED_ID = "110108195404120012"


def samples(text: str) -> dict:
    """{(sample name, frozenset of labels): value} from a /metrics page."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(page: dict, name: str, **labels) -> float:
    return page.get((name, frozenset(labels.items())), 0.0)


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return samples(response.get_data(as_text=True))


def test_metrics_count_what_the_calls_did(app, client, caller):
    before = scrape(client)
    call = caller()
    call.dial()
    call.press("1")
    call.press(LOCKED_ID + "#")
    for _ in range(3):
        call.press("000000#")
    assert app.extensions["ivr.versions"]().script.messages.locked in call.transcript
    status = call.post("/voice/status", call.params(CallStatus="completed", CallDuration="42"))
    assert status.status_code == 204
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("ivr_webhook_seconds_count", endpoint="voice.incoming") == 1
    assert delta("ivr_webhook_seconds_count", endpoint="voice.step") == 5
    assert delta("ivr_webhook_seconds_count", endpoint="voice.status") == 1
    assert delta("ivr_webhook_seconds_bucket", endpoint="voice.step", le="+Inf") == 5
    assert delta("ivr_webhook_seconds_sum", endpoint="voice.step") > 0
    assert delta("ivr_calls_total", outcome="completed") == 1
    assert delta("ivr_node_visits_total", node="main") == 2  # the welcome, and home after the lockout
    assert delta("ivr_node_visits_total", node="ask_id") == 1
    assert delta("ivr_node_visits_total", node="ask_password") == 3
    assert delta("ivr_steps_total", kind="start") == 1
    assert delta("ivr_steps_total", kind="keys") == 5
    assert delta("ivr_lockouts_total") == 1


def test_requests_refused_for_their_signature_count_no_call(client, caller):
    before = scrape(client)
    call = caller()
    response = call.post("/voice/status", call.params(CallStatus="completed"), signature="forged")
    assert response.status_code == 403
    after = scrape(client)
    assert value(after, "ivr_calls_total", outcome="completed") == value(before, "ivr_calls_total", outcome="completed")


def signed_post(base: str, path: str, params: dict) -> requests.Response:
    signature = RequestValidator(TOKEN).compute_signature(base + path, params)
    # A fresh connection per request, so that gunicorn spreads them over its workers.
    return requests.post(base + path, data=params, headers={"X-Twilio-Signature": signature, "Connection": "close"},
                         timeout=10)


def test_several_gunicorn_workers_report_the_same_totals(tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left over from an earlier run")
    env = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.sqlite'}",
        "REDIS_URL": "",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "IVR_LOG_FORMAT": "json",
    }
    server = Gunicorn("ivr:create_app()", env, workers=2, log_path=tmp_path / "gunicorn.log")
    server.env.pop("IVR_PUBLIC_URL", None)
    with server:
        calls = 12
        for number in range(calls):
            params = {"CallSid": f"CA{number:032x}", "AccountSid": "AC" + "0" * 32, "From": "+8613900000000",
                      "To": "+861012393", "CallStatus": "in-progress"}
            assert signed_post(server.url, "/voice", params).status_code == 200
            params["CallStatus"] = "completed"
            assert signed_post(server.url, "/voice/status", params).status_code == 204
        pids = server.worker_pids()
        served = {path.name for path in metrics_dir.iterdir()}
        assert sum(f"counter_{pid}.db" in served for pid in pids) == 2, "both workers should have served requests"
        pages = [samples(requests.get(server.url + "/metrics", headers={"Connection": "close"}, timeout=10).text)
                 for _ in range(6)]
        for page in pages:
            assert value(page, "ivr_calls_total", outcome="completed") == calls
            assert value(page, "ivr_webhook_seconds_count", endpoint="voice.incoming") == calls
            assert value(page, "ivr_node_visits_total", node="main") == calls

        # A worker that dies keeps its counts in the totals; gunicorn replaces it.
        os.kill(pids[0], signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (pids[0] in server.worker_pids() or len(server.worker_pids()) < 2):
            time.sleep(0.1)
        page = samples(requests.get(server.url + "/metrics", headers={"Connection": "close"}, timeout=10).text)
        assert value(page, "ivr_calls_total", outcome="completed") == calls
    assert "counter_999999.db" not in {path.name for path in metrics_dir.iterdir()}
