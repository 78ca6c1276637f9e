"""Prometheus metrics at /metrics: webhook latency, calls by outcome, menu node visits and lockouts.

Under gunicorn every worker writes its numbers into PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py sets it before
the workers start) and /metrics adds up all the workers' files, so any worker answers with the server's totals.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from ivr.telephony.flow import StepRecord

# Twilio gives up after 15 s; most steps should take a few milliseconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)
# Twilio's final call statuses, as sent to the status callback.
OUTCOMES = ("completed", "busy", "failed", "no-answer", "canceled")

WEBHOOK_SECONDS = Histogram("ivr_webhook_seconds", "Time to answer a Twilio webhook request, by endpoint.",
                            ["endpoint"], buckets=BUCKETS)
CALLS = Counter("ivr_calls", "Calls that ended, by Twilio's final call status.", ["outcome"])
STEPS = Counter("ivr_steps", "Steps of calls, by kind (start, keys, silence, garbled, stale, restart, error).", ["kind"])
NODE_VISITS = Counter("ivr_node_visits", "Replies spoken at each menu node.", ["node"])
LOCKOUTS = Counter("ivr_lockouts", "ID numbers locked after too many wrong passwords.")


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        pooled = CollectorRegistry()
        MultiProcessCollector(pooled)
        return pooled
    return REGISTRY


def observe_step(step: StepRecord) -> None:
    STEPS.labels(step.kind).inc()
    NODE_VISITS.labels(step.node).inc()


def init_app(app: Flask) -> None:
    """Count steps and lockouts, and serve /metrics from the pages' app; the webhooks' app (ivr.web.webhook_app)
    calls time_webhooks itself."""
    flow = app.extensions["ivr.flow"]
    flow.observers.append(observe_step)
    flow.store.lock_listeners.append(LOCKOUTS.inc)

    @app.get("/metrics")
    def metrics():
        return Response(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def time_webhooks(app: Flask) -> None:
    """Time every webhook request of `app` by endpoint, and count the calls that ended by their final status."""

    @app.before_request
    def start_timer():
        g.ivr_metrics_started = time.perf_counter()

    @app.after_request
    def time_webhook(response):
        started = g.get("ivr_metrics_started")
        if started is not None and request.blueprint == "voice":
            WEBHOOK_SECONDS.labels(request.endpoint).observe(time.perf_counter() - started)
            outcome = request.form.get("CallStatus")
            if request.endpoint == "voice.status" and response.status_code < 300 and outcome in OUTCOMES:
                CALLS.labels(outcome).inc()
        return response
