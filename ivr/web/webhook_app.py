"""The Twilio webhooks as a Flask app of their own, beside the pages' app, each request sent to one of the two by its
path.

Twilio is the webhooks' only client: it sends no cookies, reads no security headers, types no passwords and posts
no forms from a browser. The pages' protections (ivr.web.protection: security headers, form tokens, session cookies,
login limits) cost a webhook request about as much as the key press itself, so the webhooks' app has none of them:
only the request log, the metrics and the webhooks, which check every request's signature before anything else.
Both apps share one configuration and one set of extensions (the store, the call flow, the versions), so a setting
or a published version reaches both at once.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SessionInterface

from ivr.web import logs, metrics, webhooks

# Every webhook's path begins so (webhooks.bp's url_prefix); the pages have none under it.
PREFIX = webhooks.bp.url_prefix


class ByPath:
    """A WSGI app that sends requests under /voice to the webhooks' app and every other to the pages' app."""

    def __init__(self, webhook_app, pages_app):
        self.webhook_app = webhook_app
        self.pages_app = pages_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.webhook_app(environ, start_response)
        return self.pages_app(environ, start_response)


class NoSessions(SessionInterface):
    """Twilio keeps no cookies, so a webhook request neither opens nor saves a session."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response) -> None:
        return None


def create_webhook_app(pages: Flask) -> Flask:
    """The webhooks' app, sharing the pages' app's configuration and extensions; call once they are in place."""
    app = Flask(pages.import_name, instance_path=pages.instance_path, static_folder=None)
    # The same objects, not copies: a setting changed on one app (a test's, an operator's) holds for both.
    app.config = pages.config
    app.extensions = pages.extensions
    app.session_interface = NoSessions()
    app.register_blueprint(webhooks.bp)
    logs.time_requests(app)
    metrics.time_webhooks(app)
    return app
