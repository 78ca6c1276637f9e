"""The operators' page: calls by day and hour as charts, the funnel of a call, where callers hang up, wrong keys and
time-outs by node, transfers and how long answers take to reach, for a chosen period and line, with a CSV export;
the callers' open requests to be called back; and the published versions of prompts and data, with what each
changed and a rollback."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from ivr.content.publishing import Published, diff
from ivr.storage.feedback import feedback
from ivr.storage.statistics import Selection, call_rows, lines_called, report
from ivr.storage.store import BackendUnavailable
from ivr.web import charts
from ivr.web.protection import require_operator

log = logging.getLogger("ivr.operator")

bp = Blueprint("operator", __name__, url_prefix="/operator")

bp.before_request(require_operator)

DEFAULT_DAYS = 7
MAX_DAYS = 366
# The newest versions the page lists; /operator/versions lists them all.
RECENT_VERSIONS = 10


def _days() -> int:
    raw = request.args.get("days", "")
    return min(int(raw), MAX_DAYS) if raw.isascii() and raw.isdigit() and int(raw) > 0 else DEFAULT_DAYS


def _selection(hotline) -> Selection:
    """The calls the page counts: the last `days` days, on the line chosen (all when none or an unknown one), with the
    simulator's calls only when asked for."""
    now = current_app.config["CLOCK"]()
    line = request.args.get("line", "")
    return Selection(now - dt.timedelta(days=_days()), now, line if line in hotline.lines.lines else None,
                     request.args.get("simulated", "") == "1", hotline.lines.timezone)


def titles(script) -> dict[str, str]:
    """Each node's name in the operators' own words (its `title`), else its id."""
    return {name: node.title or name for name, node in script.nodes.items()}


def _chart_data(figures) -> dict:
    """What the charts draw; their names and the funnel's words are the template's (operator.html)."""
    days = [(day.strftime("%m-%d"), count) for day, count in figures.per_day]
    return {
        "days": days,
        "days_every": max(1, math.ceil(len(days) / 12)),
        "hours": [(str(hour), count) for hour, count in enumerate(figures.per_hour)],
    }


def _every_step_recorded() -> None:
    """Move the step records still waiting in Redis to SQL (ivr.storage.step_buffer), so that the figures count
    every step taken so far; with Redis down, the page shows what SQL holds."""
    try:
        current_app.extensions["ivr.calllog"].flush()
    except BackendUnavailable as exc:
        log.warning("the operator page counts the steps in the database only: %s", exc)


@bp.get("")
def page():
    hotline = current_app.extensions["ivr.versions"]()
    chosen = _selection(hotline)
    _every_step_recorded()
    try:
        sql = current_app.extensions["ivr.store"].sql
        figures = report(sql, hotline.script, chosen)
        given = feedback(sql, chosen)
        versions = list(reversed(_published().listing()))[:RECENT_VERSIONS]
        lines = sorted(set(hotline.lines.lines) | set(lines_called(sql)))
        callbacks = current_app.extensions["ivr.store"].callbacks.open()
    except BackendUnavailable:
        return render_template("operator_down.html"), 503
    response = Response(render_template(
        "operator.html", report=figures, feedback=given, days=_days(), versions=versions, chosen=chosen, lines=lines,
        titles=titles(hotline.script), chart=_chart_data(figures), columns=charts.columns, bars=charts.bars,
        callbacks=callbacks, zone=hotline.lines.timezone))
    response.headers["Cache-Control"] = "no-store"
    return response


CSV_COLUMNS = ("call_sid", "started", "line", "simulated", "outcome", "duration", "identified", "transferred",
               "last_node", "last_node_title")


@bp.get("/calls.csv")
def export():
    """The calls of the page's selection, one per row, for a spreadsheet (times in UTC)."""
    hotline = current_app.extensions["ivr.versions"]()
    named = titles(hotline.script)
    _every_step_recorded()
    try:
        rows = call_rows(current_app.extensions["ivr.store"].sql, _selection(hotline))
    except BackendUnavailable:
        return render_template("operator_down.html"), 503
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row["call_sid"], _iso(row["started"]), row["line"] or "", int(row["simulated"]),
                         row["outcome"] or "", "" if row["duration"] is None else row["duration"],
                         int(row["identified"]), _iso(row["transferred"]), row["node"] or "",
                         named.get(row["node"], row["node"] or "")])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=calls.csv"
    response.headers["Cache-Control"] = "no-store"
    return response


def _iso(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.replace(tzinfo=dt.UTC).isoformat(timespec="seconds")


@bp.post("/callbacks/<int:callback_id>/done")
def callback_done(callback_id: int):
    """An operator called the caller back: the request leaves the list. A form post, so CSRFProtect asks for the
    page's token."""
    try:
        done = current_app.extensions["ivr.store"].callbacks.done(callback_id, current_app.config["CLOCK"]())
    except BackendUnavailable:
        return render_template("operator_down.html"), 503
    if not done:
        abort(404)
    return redirect(url_for("operator.page") + "#callbacks", code=303)


# Published versions: the list, each one's changes against the one before, and a rollback. The rollback is a form post,
# so CSRFProtect (ivr.web.protection) asks it for the page's token; the password guards it like every operator view.


def _published():
    return current_app.extensions["ivr.store"].published


def _who() -> str:
    """Who acts on the page: the user name given with the operator password (the password is shared, the name is not)."""
    name = request.authorization.username if request.authorization else ""
    return f"{name or 'operator'} (operator page)"


@bp.get("/versions")
def versions():
    published = _published()
    try:
        listing, log = list(reversed(published.listing())), published.log()
    except BackendUnavailable:
        return render_template("operator_down.html"), 503
    return _no_store(render_template("operator_versions.html", versions=listing, log=log,
                                     can_roll_back="ivr.rollback" in current_app.extensions))


@bp.get("/versions/<int:number>")
def version(number: int):
    published = _published()
    shown = published.get(number)
    if shown is None:
        abort(404)
    before = published.get(number - 1) if number > 1 else None
    empty = Published(0, "", "", shown.at, "", {})
    lines = diff(before or empty, shown)
    return _no_store(render_template("operator_version.html", version=shown, before=before, lines=lines,
                                     newest=published.latest_number(),
                                     can_roll_back="ivr.rollback" in current_app.extensions))


@bp.post("/versions/<int:number>/rollback")
def rollback(number: int):
    # ivr.create_app gives the app `ivr rollback`'s own function (checks and scenarios); without it, no rollback here.
    roll_back = current_app.extensions.get("ivr.rollback")
    if roll_back is None:
        abort(404)
    said: list[str] = []
    prompts, data = Path(current_app.config["IVR_PROMPTS"]), Path(current_app.config["IVR_DATA"])
    message = request.form.get("message", "").strip()[:500] or None
    status = roll_back(_published(), number, prompts / "scenarios", data / "accounts.yaml", _who(), message,
                       said.append, now=current_app.config["CLOCK"](), via="page")
    codes = {0: 200, 1: 409, 2: 404}
    return _no_store(render_template("operator_rollback.html", number=number, said=said, ok=status == 0)), codes[status]


def _no_store(html: str) -> Response:
    response = Response(html)
    response.headers["Cache-Control"] = "no-store"
    return response
