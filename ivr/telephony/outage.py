"""What a caller hears while the database or Redis is down: a short apology and the human agent, never an error."""

from __future__ import annotations

import datetime as dt

from ivr.core.engine import Engine
from ivr.core.events import Keys, Silence
from ivr.core.hotline import Hotline
from ivr.core.replies import Gather, Hangup, Reply
from ivr.core.state import State

# The event name of the steps that answer the apology, and the pseudo-node it is said at (the funnel shows it).
EVENT = "outage"
NODE = "outage"


def is_offer(reply: Reply) -> bool:
    return reply.node == NODE


def offer(hotline: Hotline) -> Reply:
    """The apology with the agent key; any other key tries again, silence says goodbye."""
    settings = hotline.script.settings
    return Reply((hotline.script.messages.outage,), Gather(settings.timeout.menu, "", 1), NODE)


def fresh(engine: Engine, called: str, now: dt.datetime) -> State:
    """A state at the main menu, made without the backend."""
    state, _ = engine.restart(called, now, [])
    return state


def answer(engine: Engine, hotline: Hotline, event, called: str, now: dt.datetime) -> tuple[State, Reply] | None:
    """The caller's answer to the apology: the agent key dials the agent, silence ends the call; None to try again."""
    settings = hotline.script.settings
    state = fresh(engine, called, now)
    if isinstance(event, Keys) and event.digits == settings.keys.agent:
        # The agent key at the main menu needs nothing from the backend: it dials, or says the hours when closed.
        return state, engine.step(state, event, now)
    if isinstance(event, Silence):
        return state, Reply((hotline.script.messages.goodbye,), Hangup(), NODE)
    return None
