"""Text messages for the app: the outbox, the Messages API from the settings, and the sender the call flow tells of
each new text (a thread pool in this process, or the Redis queue of the `ivr send-texts` worker)."""

from __future__ import annotations

from ivr.storage.outbox import Outbox
from ivr.telephony.texting import MessagesApi, RedisSender, ThreadSender


def messages_api(config) -> MessagesApi | None:
    """The account's Messages API; None without credentials, so that every text is recorded as failed, not lost."""
    sid, token = config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]
    if not sid.startswith("AC") or not token:
        return None
    return MessagesApi(sid, token, config["TWILIO_API_URL"])


def init_app(app) -> None:
    store = app.extensions["ivr.store"]
    outbox = Outbox(store.db, store.passwords)
    clock = app.config["CLOCK"]
    if store.redis is not None:
        sender = RedisSender(store.redis, app.config["IVR_REDIS_PREFIX"])
    else:
        sender = ThreadSender(outbox, messages_api(app.config), lambda: clock())
        # Texts a stopped process left pending or half-sent are taken up again at start.
        sender.sweep()
    app.extensions["ivr.outbox"] = outbox
    app.extensions["ivr.texts"] = sender
    flow = app.extensions["ivr.flow"]
    flow.outbox, flow.sender = outbox, sender
