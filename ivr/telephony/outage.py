"""What a caller hears while the database or Redis is down: a short apology and the human agent, never an error.

Outside the agents' hours the apology offers only to try again: promising an agent who cannot answer would send the
caller round the apology for ever.
"""

from __future__ import annotations

import datetime as dt

from ivr.core.engine import Engine
from ivr.core.events import Keys, Silence
from ivr.core.hotline import Hotline
from ivr.core.replies import Dial, Gather, Hangup, Reply
from ivr.core.state import State

# The event name of the steps that answer the apology, and the pseudo-node it is said at (the funnel shows it).
EVENT = "outage"
NODE = "outage"


def is_offer(reply: Reply) -> bool:
    return reply.node == NODE


def agents_open(hotline: Hotline, called: str, now: dt.datetime) -> bool:
    """Whether the agents of the line the caller dialled answer now; read from the lines, without the backend."""
    lines = hotline.lines
    return lines.for_number(called).agents_open(lines.local(now))


def offer(hotline: Hotline, called: str, now: dt.datetime) -> Reply:
    """The apology: with the agent key while agents answer; any other key tries again, silence says goodbye."""
    messages = hotline.script.messages
    said = messages.outage if agents_open(hotline, called, now) else messages.outage_closed
    return Reply((said,), Gather(hotline.script.settings.timeout.menu, "", 1), NODE)


def fresh(engine: Engine, called: str, now: dt.datetime) -> State:
    """A state at the main menu, made without the backend."""
    state, _ = engine.restart(called, now, [])
    return state


def answer(engine: Engine, hotline: Hotline, event, state: State, called: str, now: dt.datetime) -> Reply | None:
    """The caller's answer to the apology: the agent key dials the agent, silence ends the call; None to try again.

    Outside agent hours the apology did not offer the agent, so the agent key is one more key that tries again.
    """
    if isinstance(event, Keys) and event.digits == hotline.script.settings.keys.agent and agents_open(hotline, called, now):
        line = hotline.lines.for_number(called)
        if line.queue is not None:
            # A queue needs the backend (who waits, the call's state for the wait URL); the agent's own number
            # does not, so a line that queues dials it while the backend is down.
            return Reply((hotline.script.messages.agent_connecting,), Dial(line.agent_number), NODE)
        # The agent key needs nothing from the backend while agents answer: it dials.
        return engine.step(state, event, now)
    if isinstance(event, Silence):
        return Reply((hotline.script.messages.goodbye,), Hangup(), NODE)
    return None
