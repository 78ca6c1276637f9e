"""A Mandarin medical-insurance (yibao) hotline for Twilio Voice.

The package is layered; each layer imports only those listed before it:
    ivr.core       the pure call engine (no web, telephony, database or cache library)
    ivr.content    the operators' files: prompts/ and data/ read, checked and versioned
    ivr.storage    accounts, call state, lockouts and call records in SQL or Redis
    ivr.telephony  one webhook step: Twilio parameters to events, replies to TwiML, signatures
    ivr.web        the Flask app: webhooks, simulator, operator pages, health, metrics, logs
    ivr.tools      what operators run: scenarios, the Twilio number set-up
and ivr.cli, the command line, on top.
"""

from __future__ import annotations


def create_app(test_config: dict | None = None):
    """The Flask app (ivr.web.app.create_app); imported here lazily so that `import ivr.core` stays free of Flask."""
    from ivr.tools.publish import rollback
    from ivr.web.app import create_app as factory

    app = factory(test_config)
    # The operator page rolls back as `ivr rollback` does, scenarios included; the web layer cannot import the tools
    # that run them, so the whole app is given the command's own function here, above every layer.
    app.extensions["ivr.rollback"] = rollback
    return app
