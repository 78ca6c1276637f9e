"""The agents' queues on Twilio: what a waiting caller hears, the key that leaves, an agent taking the next caller.

The call itself goes through ivr.telephony.flow: the engine answers "agent" with an Enqueue reply, and the Enqueue
action comes back as an ordinary step (event `queue`, Twilio's QueueResult). The requests here change no call's
place, so they need no step number: Twilio's wait URL (asked again and again while the caller waits), the key
pressed during the wait, the <Queue> url Twilio requests on the caller's call as an agent takes it, and the agent
access number's webhook, which answers <Dial><Queue> with the older callers' queue first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from twilio.twiml.voice_response import VoiceResponse
from werkzeug.datastructures import MultiDict

from ivr.core.lines import Line
from ivr.core.replies import Gather, Reply
from ivr.storage.agents import masked
from ivr.telephony.flow import CallFlow, call_sid, called_number, calling_number
from ivr.telephony.twiml import say

log = logging.getLogger("ivr.queues")

# The longest queue position and average wait believed: Twilio's queues hold at most 5,000 callers, and no caller
# waits a day. Anything else in those parameters is garbled and heard as unknown.
MOST_CALLERS = 5000
MOST_SECONDS = 24 * 3600


def count(form: MultiDict, name: str, most: int) -> int:
    """A whole-number parameter of Twilio's queue requests; 0 when missing, repeated or garbled."""
    values = form.getlist(name)
    value = values[0] if len(values) == 1 else ""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 7 and int(value) <= most else 0


class Queues:
    """Answers Twilio's queue requests, with the call flow's store, clock and prompts."""

    def __init__(self, flow: CallFlow):
        self.flow = flow

    def wait(self, form: MultiDict, urls: Callable[[str], str]) -> str:
        """The wait URL: the caller's place and the expected wait, how to leave, then quiet hold until the next time.

        urls("key") is where a key pressed during the wait goes, urls("wait") this URL again.
        """
        sid = call_sid(form)
        flow = self.flow
        with flow.store.held():
            turn, state = flow.current(form, "wait")
            if state is None:
                # No call of ours waits under this CallSid (a replayed request, or the call's record is gone).
                return self._goodbye(turn.hotline)
            average = count(form, "AvgQueueTime", MOST_SECONDS)
            with flow.store.transaction():
                flow.store.queue_callers.heard(sid, average, flow.clock())
        settings = turn.hotline.script.settings
        says = turn.engine.queue_place(count(form, "QueuePosition", MOST_CALLERS), average)
        reply = turn.engine.paced(state, Reply(tuple(says), Gather(settings.queue.announce_seconds, "", 1), state.node))
        return self._announce(reply, turn.hotline, urls)

    def key(self, form: MultiDict, urls: Callable[[str], str]) -> str:
        """A key pressed while waiting: the leave key takes the caller out of the queue (Twilio then requests the
        Enqueue action with QueueResult=leave, where the call back is kept); any other key hears the place again."""
        call_sid(form)
        response = VoiceResponse()
        if form.getlist("Digits") == [self.flow.hotline().script.settings.queue.leave_key]:
            response.leave()
        else:
            response.redirect(urls("wait"), method="POST")
        return str(response)

    def answered(self, form: MultiDict) -> str:
        """The <Queue> url, requested on the caller's call as an agent takes it: no longer waiting, and told so."""
        sid = call_sid(form)
        flow = self.flow
        with flow.store.held(), flow.store.transaction():
            flow.store.queue_callers.left(sid)
        hotline = flow.hotline()
        response = VoiceResponse()
        say(response, hotline.script.messages.queue_answered, self._voice(hotline), None)
        return str(response)

    def agent(self, form: MultiDict, answered_url: str) -> str:
        """The agent access number: the next caller, older callers first, for one of the line's agents only."""
        call_sid(form)
        hotline = self.flow.hotline()
        messages = hotline.script.messages
        line = hotline.lines.for_access(called_number(form))
        agent = calling_number(form)
        if line is None or agent not in line.queue.agents:
            log.warning("refused the agent access number to %s", masked(agent) if agent else "a withheld number")
            return self._said(hotline, messages.access_refused)
        queue = self._next_queue(line)
        if queue is None:
            return self._said(hotline, messages.access_empty)
        response = VoiceResponse()
        response.dial().queue(queue, url=answered_url, method="POST")
        return str(response)

    def _next_queue(self, line: Line) -> str | None:
        """The queue the agent takes the next caller from: the older callers' while anyone waits there."""
        store, now = self.flow.store, self.flow.clock()
        with store.held():
            for queue in (line.queue_name(True), line.queue_name(False)):
                if store.queue_load(queue, now).waiting:
                    return queue
        return None

    def _announce(self, reply: Reply, hotline, urls: Callable[[str], str]) -> str:
        response = VoiceResponse()
        voice = self._voice(hotline)
        # The Gather's timeout is the quiet hold between announcements; a key in it goes to the key URL, and when it
        # runs out Twilio goes on to the Redirect, which asks for the wait URL again with the caller's new place.
        gather = response.gather(input="dtmf", action=urls("key"), method="POST", timeout=reply.then.timeout,
                                 num_digits=1, finish_on_key="", action_on_empty_result=False)
        for text in reply.says:
            say(gather, text, voice, reply.rate)
        response.redirect(urls("wait"), method="POST")
        return str(response)

    def _goodbye(self, hotline) -> str:
        return self._said(hotline, hotline.script.messages.goodbye)

    def _said(self, hotline, text: str) -> str:
        response = VoiceResponse()
        say(response, text, self._voice(hotline), None)
        response.hangup()
        return str(response)

    @staticmethod
    def _voice(hotline) -> dict:
        settings = hotline.script.settings
        return {"language": settings.language, "voice": settings.voice}

