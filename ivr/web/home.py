"""The way in: `/` leads to the simulator and the operator page, and `/favicon.ico` answers with the page icon."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory

from ivr.web.protection import is_production, simulator_enabled

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    config = current_app.config
    operator = bool(config["IVR_OPERATOR_PASSWORD"])
    # The map is open for local use, and in production behind the operator password (ivr.web.protection).
    return render_template("home.html", simulator=simulator_enabled(config), operator=operator,
                           map=operator or not is_production(config))


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico whatever a page names; the SVG icon answers it.
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
