"""The operators' page: call counts, where callers hang up in the menu tree, and how long answers take to reach."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, render_template, request

from ivr.storage.statistics import report
from ivr.storage.store import BackendUnavailable
from ivr.web.protection import require_operator

bp = Blueprint("operator", __name__, url_prefix="/operator")

bp.before_request(require_operator)

DEFAULT_DAYS = 7
MAX_DAYS = 366


def _days() -> int:
    raw = request.args.get("days", "")
    return min(int(raw), MAX_DAYS) if raw.isascii() and raw.isdigit() and int(raw) > 0 else DEFAULT_DAYS


@bp.get("")
def page():
    days = _days()
    since = current_app.config["CLOCK"]() - dt.timedelta(days=days)
    hotline = current_app.extensions["ivr.versions"]()
    try:
        figures = report(current_app.extensions["ivr.store"].sql, hotline.script, since)
    except BackendUnavailable:
        return render_template("operator_down.html"), 503
    response = Response(render_template("operator.html", report=figures, days=days))
    response.headers["Cache-Control"] = "no-store"
    return response
