"""/healthz: 200 when the database and Redis answer, 503 naming the part that does not."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify

from ivr.storage.store import DOWN

log = logging.getLogger("ivr.health")

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    store = current_app.extensions["ivr.store"]
    checks = {"database": store.ping_database}
    if store.redis is not None:
        checks["redis"] = store.ping_redis
    parts = {}
    for name, ping in checks.items():
        try:
            ping()
            parts[name] = "ok"
        except DOWN as exc:
            log.warning("health: %s unreachable (%s)", name, type(exc).__name__)
            parts[name] = "unreachable"
    healthy = all(value == "ok" for value in parts.values())
    response = jsonify(status="ok" if healthy else "failing", **parts)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
