"""What guards the pages people open (simulator, operator page, map): headers, cookies, form tokens, login limits.

The Twilio webhooks are answered by an app of their own (ivr.web.webhook_app), guarded by their signatures
(ivr.telephony.signatures), and never reach these; the simulator's JSON steps are guarded by its per-page token, so
they need no form token; everything a browser posts as a form does.
"""

from __future__ import annotations

import hmac

from flask import Flask, Response, abort, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

from ivr.config import is_production

# Scripts and styles come from /static or carry the per-response nonce; nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HSTS = "max-age=31536000; includeSubDomains"
# Wrong passwords a client may try before it is told to wait; the operator page's browser asks once without one.
LOGIN_LIMIT = "10 per minute; 50 per hour"


def served_over_https(app: Flask) -> bool:
    return app.config["IVR_PUBLIC_URL"].lower().startswith("https://")


def simulator_enabled(config) -> bool:
    """The simulator is on unless switched off; in production only behind its password, or anyone could test IDs."""
    if config["IVR_SIMULATOR"] == "0":
        return False
    return bool(config["IVR_SIMULATOR_PASSWORD"]) or not is_production(config)


def require_operator() -> Response | None:
    """HTTP Basic authentication against IVR_OPERATOR_PASSWORD, for the operator page and the menu map.

    Without a password the operator page does not exist; the map stays open for local use outside production.
    """
    password = current_app.config["IVR_OPERATOR_PASSWORD"]
    if not password:
        if request.blueprint == "menumap" and not is_production(current_app.config):
            return None
        abort(404)
    given = request.authorization.password if request.authorization else None
    if given is None or not hmac.compare_digest(given.encode("utf-8", "replace"), password.encode("utf-8")):
        return Response(status=401, headers={"WWW-Authenticate": 'Basic realm="operator", charset="UTF-8"'})
    return None


def _refused(response: Response) -> bool:
    return response.status_code in (401, 403)


def _limiter(app: Flask) -> Limiter:
    """Counts per client address; in Redis where it is configured, so that every process and replica shares them."""
    redis_url = app.config["REDIS_URL"]
    return Limiter(
        get_remote_address,
        app=app,
        storage_uri=redis_url or "memory://",
        key_prefix=app.config["IVR_REDIS_PREFIX"] + "limits",
        strategy="fixed-window",
        # Redis down must not lock operators out of the page that shows it: each process then counts on its own.
        in_memory_fallback_enabled=bool(redis_url),
        swallow_errors=True,
    )


def init_app(app: Flask) -> None:
    """Call after every blueprint is registered: the limits and exemptions name their views."""
    https = served_over_https(app)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=https,
                      WTF_CSRF_TIME_LIMIT=None)
    Talisman(
        app,
        force_https=False,
        # The public URL decides, not the request: behind ngrok and nginx the app itself is reached over http.
        strict_transport_security=False,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["style-src"],
        referrer_policy="same-origin",
        session_cookie_secure=https,
        session_cookie_samesite="Lax",
    )
    if https:
        app.after_request(_add_hsts)

    csrf = CSRFProtect(app)
    for view in ("start", "step", "status", "preview", "queue.wait", "queue.key", "queue.take"):
        csrf.exempt(app.view_functions[f"simulator.{view}"])

    limiter = _limiter(app)
    login = app.view_functions["simulator.login"]
    app.view_functions["simulator.login"] = limiter.limit(LOGIN_LIMIT, deduct_when=_refused)(login)
    # One count for the operator password, whichever page it was tried on.
    operator_login = limiter.shared_limit(LOGIN_LIMIT, scope="operator-login", deduct_when=_refused)
    for name in ("operator", "menumap"):
        operator_login(app.blueprints[name])
    app.extensions["ivr.limiter"] = limiter


def _add_hsts(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
