"""The menu engine: steps one call's state with one event into what the caller hears next.

It knows nothing of Flask or Twilio. A reply is always some sentences followed by exactly one of
Gather (wait for keys), Dial or Enqueue (the human agent) or Hangup, so no caller is ever left in silence.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import replace
from functools import cached_property

from ivr.core import answers, listening
from ivr.core.answers import IDENTITY, Ask, Context, Spoken
from ivr.core.events import DialEnded, Event, Keys, QueueEnded, Said, Silence
from ivr.core.hotline import Hotline
from ivr.core.idnumber import birth_date
from ivr.core.idnumber import check as check_id
from ivr.core.idnumber import normalize as normalize_id
from ivr.core.ports import Backend, Limit, Registered
from ivr.core.regions import normalise_area_code
from ivr.core.replies import Dial, Enqueue, Gather, Hangup, Reply, Text
from ivr.core.script import (
    CALLBACK,
    CALLER_ACTIONS,
    RATINGS,
    TEXT_ACTION,
    AnswerNode,
    Goto,
    InputNode,
    MenuNode,
    SayNode,
)
from ivr.core.state import State

# The rating is asked once and, after a silence or a wrong key, once more.
RATING_TRIES = 2
# A number an agent can call back: digits, with the international + (Twilio's From for a withheld number is not).
CALLABLE = re.compile(r"^\+?[0-9]{5,15}$")


class Engine:
    # The time of the step, held by each entry point for everything the step reads the clock for: the agents' hours,
    # the day of an answer or of an ID number's checks, and the window of wrong passwords.
    now: dt.datetime

    def __init__(self, hotline: Hotline, backend: Backend, caller: str = ""):
        self.hotline = hotline
        # The calling number of the step (Twilio's From), for the limit on wrong passwords per number across IDs.
        self.caller = caller
        self.script = hotline.script
        self.settings = hotline.script.settings
        self.messages = hotline.script.messages
        self.read = hotline.script.reader
        self.backend = backend

    # Entry points.

    def start(self, called: str, now: dt.datetime) -> tuple[State, Reply]:
        self.now = now
        line = self.hotline.lines.for_number(called)
        state = State(line=line.key, node=self.settings.start)
        registered = self._registration if line.elder is not None else None
        if registered is not None:
            # A registered mobile tells the caller's age before any question, so the greeting can already put the
            # agent first for an older caller.
            state.elder = self._is_elder(state, registered.reference)
        return state, self._enter(state, self.settings.start, [])

    def step(self, state: State, event: Event, now: dt.datetime) -> Reply:
        self.now = now
        state.seq += 1
        node = self.script.nodes[state.node]
        if isinstance(event, (Said, Keys)):
            # Words become the key they stand for (ivr.core.listening), or a reply that asks again; keys pass as
            # they are, unless they answer the hotline's question whether it understood.
            event = listening.understand(self, state, node, event)
            if isinstance(event, Reply):
                return event
        else:
            listening.forget(state)
        if isinstance(event, Silence):
            return self._noinput(state, node)
        if isinstance(event, DialEnded):
            if event.answered:
                return self._after_agent(state)
            return self._agent_unanswered(state)
        if isinstance(event, QueueEnded):
            return self._queue_ended(state, event.result)
        if isinstance(node, InputNode):
            return self._input(state, node, event.digits)
        return self._choose(state, node, event.digits)

    def agent_leg_ended(self, state: State, now: dt.datetime) -> Reply:
        """The caller has talked with an agent and the agent's leg is over (a Dial completed, a queued call bridged and
        ended): the caller is asked to rate the service, or thanked and the call ends where no rating menu is set."""
        self.now = now
        return self._after_agent(state)

    def _after_agent(self, state: State) -> Reply:
        if self.settings.rating is None:
            return Reply((self.messages.agent_after_call,), Hangup(), state.node)
        state.return_to = state.pending = None
        return self._enter(state, self.settings.rating, [])

    def garbled(self, state: State, now: dt.datetime) -> Reply:
        """Keys no keypad sends (letters, hundreds of digits): a wrong key, whatever the node."""
        self.now = now
        state.seq += 1
        listening.forget(state)
        return self._nomatch(state, self.script.nodes[state.node])

    def resume(self, state: State, now: dt.datetime, says: list[str]) -> Reply:
        """Say something, then the current node again, without counting a failure (stale requests, recovery)."""
        self.now = now
        state.seq += 1
        return self._enter(state, state.node, list(says), full=True)

    def restart(self, called: str, now: dt.datetime, says: list[str]) -> tuple[State, Reply]:
        """A fresh state at the main menu after the old one was lost or refused."""
        self.now = now
        line = self.hotline.lines.for_number(called)
        # The welcome is not said again, but the whole menu is: the caller has just lost their place.
        state = State(line=line.key, node=self.settings.start, heard=[self.settings.start])
        return state, self._enter(state, self.settings.start, list(says), full=True)

    # Moving between nodes.

    def _enter(self, state: State, name: str, says: list[str], full: bool = False, depth: int = 0) -> Reply:
        node = self.script.nodes[name]
        arriving = name != state.node
        if arriving:
            state.noinput = state.nomatch = 0
            if isinstance(node, AnswerNode):
                answers.kind(node.answer).arrive(state.slots)
        state.node = name
        if isinstance(node, MenuNode):
            first = name not in state.heard
            if first:
                state.heard.append(name)
                if node.greeting:
                    says.append(self._fill(state, node.greeting))
            use_full = first or full or not node.short
            says.append(self._fill(state, self._menu_prompt(state, node, use_full, says)))
            return self._menu_gather(says, name)
        if isinstance(node, InputNode):
            says.append(self._fill(state, node.prompt))
            return self._input_gather(says, name)
        if isinstance(node, SayNode):
            says.append(self._fill(state, node.text))
            if depth > len(self.script.nodes):
                # Announcements that lead only to each other would loop forever; go home instead.
                return self._main(state, says)
            return self._enter(state, node.next, says, depth=depth + 1)
        return self._answer(state, name, node, says)

    def _menu_prompt(self, state: State, node: MenuNode, full: bool, says: list[str]) -> str:
        """The menu's prompt; an older caller hears the agent key first: the node's own prompt for them, or else
        messages.elder_first said before the usual one."""
        if state.elder:
            if node.elder_prompt:
                return node.elder_prompt
            says.append(self.messages.elder_first)
        return node.prompt if full else node.short

    def _go(self, state: State, target, says: list[str]) -> Reply:
        if isinstance(target, Goto):
            for slot, value in target.set.items():
                state.slots[slot] = self._slot_value(state, slot, value)
            target = target.go
        if target == "repeat":
            return self._enter(state, state.node, says, full=True)
        if target == "main":
            return self._main(state, says)
        if target == "agent":
            return self._agent(state, says)
        if target == "goodbye":
            return Reply(tuple(says) + (self.messages.goodbye,), Hangup(), state.node)
        if target == "back":
            return self._back_to_entry(state, says)
        if target in CALLER_ACTIONS:
            return self._caller_answered(state, target, says)
        if target in RATINGS:
            return Reply(tuple(says) + (self.messages.rating_thanks,), Hangup(), state.node, rating=target)
        if target == CALLBACK:
            return self._callback(state, says)
        node = self.script.nodes[state.node]
        if target == TEXT_ACTION and isinstance(node, AnswerNode):
            return self._send_text(state, node, says)
        if isinstance(node, AnswerNode) and target in answers.KINDS[node.answer].actions:
            return self._act(state, node, target, says)
        return self._enter(state, target, says)

    def _slot_value(self, state: State, slot: str, value: str):
        # `line` stands for the region of the number the caller dialled.
        if slot == "region" and value == "line":
            return self.hotline.lines.lines[state.line].region
        return value

    def _back_to_entry(self, state: State, says: list[str]) -> Reply:
        """From an entry's help menu back to the entry the caller left; home when there is none to go back to."""
        entry = state.slots.pop("entry", None)
        if entry is None:
            return self._main(state, says)
        return self._enter(state, entry, says)

    def _main(self, state: State, says: list[str]) -> Reply:
        # The texts sent so far count for the whole call.
        state.slots = {"texts": state.slots["texts"]} if "texts" in state.slots else {}
        state.return_to = None
        state.pending = None
        return self._enter(state, self.settings.start, says)

    # Keys.

    def _choose(self, state: State, node, digits: str) -> Reply:
        keys = self.settings.keys
        if len(digits) != 1:
            return self._nomatch(state, node)
        if digits == keys.repeat:
            state.noinput = state.nomatch = 0
            return self._enter(state, state.node, [], full=True)
        if digits == keys.agent:
            return self._agent(state, [])
        if digits == keys.main and state.node != self.settings.start:
            return self._main(state, [])
        target = node.options.get(digits)
        if target is None:
            return self._nomatch(state, node)
        state.noinput = state.nomatch = 0
        return self._go(state, target, [])

    def _input(self, state: State, node: InputNode, digits: str) -> Reply:
        keys = self.settings.keys
        if digits == keys.repeat:
            if node.help is None:
                return self._enter(state, state.node, [], full=True)
            # `*` alone cannot be part of an ID number or a password, so it is the entry's way out: a menu that
            # goes back to the entry, home, or to an agent.
            state.slots["entry"] = state.node
            return self._enter(state, node.help, [])
        if digits == keys.agent:
            return self._agent(state, [])
        handler = getattr(self, f"_collect_{node.collect}")
        return handler(state, node, digits)

    def _collect_id_number(self, state: State, node: InputNode, digits: str) -> Reply:
        result = check_id(digits, today=self._today())
        if not result.ok:
            count = self.read.count(len(normalize_id(digits)))
            return self._nomatch(state, node, self._fill(state, node.errors[result.problem], count=count))
        return self._id_accepted(state, node, self.backend.reference(result.number))

    def _id_accepted(self, state: State, node: InputNode, reference: str) -> Reply:
        """A well-formed ID number, keyed or said and confirmed: on to the password unless the ID is locked."""
        if self.backend.is_locked(reference):
            return self._locked(state)
        # Whether the ID has an account is told only by the password: an unknown ID fails there like a wrong
        # password, so that nobody learns from the hotline which ID numbers are insured.
        state.pending = reference
        return self._enter(state, node.next, [])

    def _collect_password(self, state: State, node: InputNode, digits: str) -> Reply:
        policy = self.settings.password
        if state.pending is None:
            return self._enter(state, self.settings.identify, [])
        if not (digits.isascii() and digits.isdigit() and len(digits) == policy.length):
            return self._nomatch(state, node, self._fill(state, node.errors["format"]))
        limit = Limit(policy.attempts, dt.timedelta(hours=policy.window_hours))
        attempt = self.backend.attempt_password(state.pending, digits, self.caller, self.now, limit,
                                               self.hotline.lines.caller_limit)
        if attempt.outcome == "verified":
            state.verified, state.pending = state.pending, None
            if self.hotline.lines.lines[state.line].elder is not None:
                state.elder = self._is_elder(state, state.verified)
            target, state.return_to = state.return_to or self.settings.start, None
            # An empty `verified` says nothing: the answer that follows shows the password was right.
            return self._enter(state, target, [self.messages.verified] if self.messages.verified else [])
        if attempt.outcome == "locked":
            return self._locked(state)
        if attempt.outcome == "caller_locked":
            return self._caller_locked(state)
        remaining = self.read.count(attempt.remaining)
        # Wrong passwords are bounded by the lockout, so they do not also count as wrong keys.
        return self._input_gather([self._fill(state, node.errors["wrong"], remaining=remaining)], state.node)

    def _collect_area_code(self, state: State, node: InputNode, digits: str) -> Reply:
        code = normalise_area_code(digits) if digits.isascii() else None
        if code is None:
            return self._nomatch(state, node, self._fill(state, node.errors["format"]))
        for slot in ("region", "code", "age"):
            state.slots.pop(slot, None)
        region = self.hotline.regions.by_area_code(code)
        if region is None:
            state.slots["code"] = code
        else:
            state.slots["region"] = region.key
        return self._enter(state, node.next, [])

    def _collect_age(self, state: State, node: InputNode, digits: str) -> Reply:
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 3 and 1 <= int(digits) <= 120):
            return self._nomatch(state, node, self._fill(state, node.errors["format"]))
        state.slots["age"] = int(digits)
        return self._enter(state, node.next, [])

    def _locked(self, state: State) -> Reply:
        """The ID is locked: one sentence on how to unlock it, an agent while agents answer, then the main menu."""
        return self._main(state, [self.messages.locked] + self._agent_offer(state, closed=[]))

    def _caller_locked(self, state: State) -> Reply:
        """The calling number has tried too many passwords: say so, and where an agent can help, how to reach one."""
        return self._main(state, [self.messages.caller_locked] + self._agent_offer(state))

    def _agent_offer(self, state: State, closed: list[str] | None = None) -> list[str]:
        """How to reach an agent now, or (unless `closed` says otherwise) when agents next answer."""
        line = self.hotline.lines.lines[state.line]
        if line.agents_open(self._local()):
            return [self.messages.agent_offer]
        return self._closed(line) if closed is None else closed

    # Answers: the node's kind says what it needs and what it says; the engine fetches the one and speaks the other.

    def _answer(self, state: State, name: str, node: AnswerNode, says: list[str]) -> Reply:
        kind = answers.kind(node.answer)
        call = self._context(state, node)
        if (kind.verified_caller or node.requires == IDENTITY) and call.account is None:
            return self._ask(state, name, node, Ask(IDENTITY), says)
        return self._say(state, name, node, kind.speak(call), says)

    def _act(self, state: State, node: AnswerNode, action: str, says: list[str]) -> Reply:
        """One of the answer kind's own actions, such as paging."""
        outcome = answers.kind(node.answer).act(self._context(state, node), action)
        if outcome is None:
            return self._enter(state, state.node, says)
        return self._say(state, state.node, node, outcome, says)

    def _say(self, state: State, name: str, node: AnswerNode, outcome: Spoken | Ask, says: list[str]) -> Reply:
        if isinstance(outcome, Ask):
            return self._ask(state, name, node, outcome, says)
        start = len(says)
        says.extend(outcome.sentences)
        facts = (start, len(says))
        says.extend(outcome.notes)
        says.append(outcome.hint + self._after(state, name, node))
        return replace(self._menu_gather(says, name), answer=facts)

    def _after(self, state: State, name: str, node: AnswerNode) -> str:
        """The options after an answer: in full the first time in a call, then the short form where there is one."""
        told = any(isinstance(self.script.nodes.get(heard), AnswerNode) for heard in state.heard)
        if name not in state.heard:
            state.heard.append(name)
        first = self.messages.elder_first if state.elder else ""
        return first + self._fill(state, node.after_short if told and node.after_short else node.after)

    def _ask(self, state: State, name: str, node: AnswerNode, ask: Ask, says: list[str]) -> Reply:
        """Go and fetch what the answer needs; the node that collects it comes back to the answer."""
        if ask.slot == IDENTITY:
            state.return_to = name
            return self._enter(state, self._who_asks(state), says)
        return self._enter(state, node.collect[ask.slot], says)

    # Text messages: the facts of the answer just heard, to the mobile registered on the verified caller's account.

    def _send_text(self, state: State, node: AnswerNode, says: list[str]) -> Reply:
        """Queue the answer's facts as a text (the outer layers send it); the caller hears that it is being sent."""
        name = state.node
        if state.verified is None:
            # Only a verified caller's own registered mobile may receive a text; the answer comes back after.
            return self._ask(state, name, node, Ask(IDENTITY), says + [self.messages.text_needs_identity])
        # The facts as the answer says them, with figures written (script.written), on a copy of the slots.
        call = replace(self._context(state, node), script=self.script.written, slots=dict(state.slots))
        account = call.account
        sent = state.slots.get("texts", 0)
        if account is None or not account.mobile:
            return self._menu_gather(says + [self.messages.text_no_mobile, self._fill(state, node.after)], name)
        if sent >= self.settings.texts_per_call:
            return self._menu_gather(says + [self.messages.text_limit, self._fill(state, node.after)], name)
        outcome = answers.kind(node.answer).speak(call)
        if isinstance(outcome, Ask):
            return self._enter(state, name, says, full=True)
        state.slots["texts"] = sent + 1
        body = self.messages.text_body.format(facts="".join(outcome.sentences))
        queued = self.messages.text_queued.format(tail=self.read.digits(account.mobile[-4:]))
        reply = self._menu_gather(says + [queued, self._fill(state, node.after)], name)
        return replace(reply, text=Text(body))

    # A caller from a registered mobile: asked once a call whether they are its insured person.

    def _who_asks(self, state: State) -> str:
        """The node that asks who the caller is: the registered caller's question, or else the ID number."""
        confirm = self.settings.confirm
        # Entering a menu records it in `heard`, so the stored state itself says whether the question was asked.
        if confirm is None or confirm in state.heard or self._registration is None:
            return self.settings.identify
        return confirm

    @cached_property
    def _registration(self) -> Registered | None:
        """The one account the calling number is registered on, looked up at most once a step."""
        return self.backend.registered(self.caller) if self.caller else None

    def _caller_answered(self, state: State, answer: str, says: list[str]) -> Reply:
        """Yes: on to the password of the registered account, exactly as after its ID number. No: the ID number."""
        registered = self._registration if answer == "its_me" else None
        if registered is None:
            return self._enter(state, self.settings.identify, says)
        if self.backend.is_locked(registered.reference):
            return self._locked(state)
        state.pending = registered.reference
        return self._enter(state, self.script.nodes[self.settings.identify].next, says)

    def _context(self, state: State, node: AnswerNode) -> Context:
        records = answers.KINDS[node.answer].records

        def load():
            return self.backend.account(state.verified, records=records) if state.verified else None

        return Context(self.script, self.hotline.regions, node, state.slots, self._today(), load)

    # The human agent.

    def _agent(self, state: State, says: list[str], closed_then: str = "main") -> Reply:
        line = self.hotline.lines.lines[state.line]
        # The node the caller asked from is the topic of a call back they may ask for instead.
        state.slots.setdefault("topic", state.node)
        if line.agents_open(self._local()):
            return self._to_agent(state, line, says)
        says.extend(self._closed(line))
        if closed_then == "goodbye":
            return Reply(tuple(says) + (self.messages.goodbye,), Hangup(), state.node)
        if self.settings.agent_closed is None:
            return self._main(state, says)
        return self._enter(state, self.settings.agent_closed, says)

    def _to_agent(self, state: State, line, says: list[str]) -> Reply:
        """Agents answer: dial the line's agent, or join its queue (first offering a call back when it is long)."""
        if line.queue is None:
            return Reply(tuple(says) + (self.messages.agent_connecting,), Dial(line.agent_number), state.node)
        queue = line.queue_name(state.elder)
        # At the long-queue menu, the agent key is the caller's choice to wait anyway.
        if self.settings.queue_busy is not None and state.node != self.settings.queue_busy:
            load = self.backend.queue_load(queue, self.now)
            if load.waiting >= line.queue.max_waiting or load.average_seconds > line.queue.max_wait_seconds:
                says.append(self.messages.queue_long.format(waiting=self.read.count(load.waiting)))
                says.extend(self.queue_estimate(load.average_seconds))
                return self._enter(state, self.settings.queue_busy, says)
        return Reply(tuple(says) + (self.messages.agent_connecting,), Enqueue(queue), state.node)

    def queue_estimate(self, average_seconds: int) -> list[str]:
        """The expected wait in whole minutes, rounded up; nothing while Twilio knows no average yet."""
        if average_seconds <= 0:
            return []
        return [self.messages.queue_estimate.format(minutes=self.read.count(math.ceil(average_seconds / 60)))]

    def queue_place(self, position: int, average_seconds: int) -> list[str]:
        """What a waiting caller hears at every announcement: their place, the expected wait, how to leave."""
        ahead = position - 1
        place = self.messages.queue_next if ahead <= 0 else self.messages.queue_ahead.format(ahead=self.read.count(ahead))
        return [place, *self.queue_estimate(average_seconds), self.messages.queue_leave]

    def _queue_ended(self, state: State, result: str) -> Reply:
        """The caller left the agents' queue: Twilio's QueueResult says how."""
        if result == "bridged":
            return self._after_agent(state)
        if result == "leave":
            # The caller pressed the leave key while waiting: the call back they asked for.
            return self._callback(state, [])
        if result == "hangup":
            return Reply((), Hangup(), state.node)
        # queue-full, error, system-error, redirected: no agent took the call, and the caller chooses what next.
        return self._agent_unanswered(state)

    def _callback(self, state: State, says: list[str]) -> Reply:
        """Keep the caller's request to be called back, say when it will be, and go back to the main menu."""
        line = self.hotline.lines.lines[state.line]
        if not CALLABLE.match(self.caller):
            return self._main(state, says + [self.messages.callback_no_number])
        local = self._local()
        opening = None if line.agents_open(local) else line.next_opening(local)
        topic = state.slots.get("topic", state.node)
        self.backend.request_callback(self.caller, line.key, topic, self.now, opening)
        if opening is None:
            says.append(self.messages.callback_soon)
        else:
            says.append(self.messages.callback_next.format(when=self._when(opening, local)))
        return self._main(state, says)

    def _is_elder(self, state: State, reference: str) -> bool:
        """Whether the account's holder is old enough, today, for the line's older callers' service."""
        account = self.backend.account(reference, records=False)
        if account is None:
            return False
        try:
            born = birth_date(account.id_number)
        except ValueError:
            return False
        return self.hotline.lines.lines[state.line].is_elder(born, self._today())

    def paced(self, state: State, reply: Reply) -> Reply:
        """The reply read at the line's slower pace for an older caller, where the line sets one."""
        elder = self.hotline.lines.lines[state.line].elder
        if not state.elder or elder is None or elder.rate is None:
            return reply
        return replace(reply, rate=elder.rate)

    def _agent_unanswered(self, state: State) -> Reply:
        """The agent's phone was busy or not answered: a choice of what next, never "call again" and a menu."""
        if self.settings.agent_busy is None:
            return self._main(state, [self.messages.agent_busy])
        return self._enter(state, self.settings.agent_busy, [])

    def _closed(self, line) -> list[str]:
        """Agents are not answering: their hours, and when they next start."""
        local = self._local()
        says = [self.messages.agent_closed.format(hours=self._hours(line))]
        opening = line.next_opening(local)
        if opening is not None:
            says.append(self.messages.agent_next.format(when=self._when(opening, local)))
        return says

    def _when(self, opening: dt.datetime, local_now: dt.datetime) -> str:
        """The next opening as a caller says it: today, tomorrow or the day of the week, then the time of day."""
        days = (opening.date() - local_now.date()).days
        if days == 0:
            day = self.messages.today
        elif days == 1:
            day = self.messages.tomorrow
        else:
            day = self.messages.weekday_names[opening.weekday()]
        return day + self.read.clock(opening.hour, opening.minute)

    def _hours(self, line) -> str:
        if line.hours is None:
            return self.messages.hours_always
        parts, previous_days = [], None
        for period in line.hours:
            # Consecutive periods on the same days name the days once, as a person reading the hours would.
            days = "" if period.days == previous_days else getattr(self.messages.days, period.days)
            previous_days = period.days
            parts.append(self.messages.hours_period.format(
                days=days,
                hours=self.read.clock_range(
                    (period.start.hour, period.start.minute), (period.end.hour, period.end.minute)
                ),
            ))
        return self.messages.hours_separator.join(parts)

    # Silence and wrong keys, escalating as VoiceXML's noinput and nomatch counters do.

    def _limit(self, state: State, kind: str) -> int:
        """Silences or wrong keys a node tolerates; the rating is asked once, with one retry."""
        return RATING_TRIES if state.node == self.settings.rating else getattr(self.settings.limits, kind)

    def _noinput(self, state: State, node) -> Reply:
        state.noinput += 1
        if state.noinput >= self._limit(state, "noinput"):
            return self._give_up(state, "noinput")
        sentences = node.noinput or self.messages.noinput
        said = self._fill(state, sentences[min(state.noinput, len(sentences)) - 1])
        return self._reprompt(state, node, [said], escalate=state.noinput > 1)

    def _nomatch(self, state: State, node, specific: str | None = None) -> Reply:
        state.nomatch += 1
        if state.nomatch >= self._limit(state, "nomatch"):
            return self._give_up(state, "nomatch")
        if specific is not None:
            # Input errors already tell the caller what to key again.
            return self._input_gather([specific], state.node)
        sentences = node.nomatch or self.messages.nomatch
        said = self._fill(state, sentences[min(state.nomatch, len(sentences)) - 1])
        return self._reprompt(state, node, [said], escalate=state.nomatch > 1)

    def _reprompt(self, state: State, node, says: list[str], escalate: bool) -> Reply:
        if isinstance(node, MenuNode):
            # The first re-prompt is the short menu; later ones give the full menu as more help.
            text = node.prompt if escalate or not node.short else node.short
            return self._menu_gather(says + [self._fill(state, text)], state.node)
        if isinstance(node, InputNode):
            return self._input_gather(says + [self._fill(state, node.prompt)], state.node)
        if isinstance(node, AnswerNode):
            return self._menu_gather(says + [self._fill(state, node.after)], state.node)
        return self._main(state, says)

    def _give_up(self, state: State, kind: str) -> Reply:
        if state.node == self.settings.rating:
            # No rating is no complaint: the caller who stays silent has finished, and is simply thanked.
            return Reply((self.messages.goodbye,), Hangup(), state.node)
        says = [getattr(self.messages, f"too_many_{kind}")]
        if getattr(self.settings.after_limits, kind) == "agent":
            return self._agent(state, says, closed_then="goodbye")
        return Reply(tuple(says) + (self.messages.goodbye,), Hangup(), state.node)

    # Helpers.

    def _menu_gather(self, says: list[str], node: str) -> Reply:
        # One key is enough in a menu, and # must reach us as a wrong key rather than end the Gather empty.
        return Reply(tuple(says), Gather(self.settings.timeout.menu, "", 1), node)

    def _input_gather(self, says: list[str], node: str) -> Reply:
        # An entry of known length ends by itself at its last key, so the caller need not key # (nor hear about it);
        # # still ends a shorter entry, which is then told what is wrong with it.
        ends_after = getattr(self.script.nodes[node], "ends_after", None)
        return Reply(tuple(says), Gather(self.settings.timeout.input, "#", ends_after), node)

    def _fill(self, state: State, template: str, **values) -> str:
        lines = self.hotline.lines
        regions = self.hotline.regions
        line = lines.lines[state.line]
        context = {
            "line_region": regions.get(line.region).name,
            "region": regions.get(state.slots["region"]).name if "region" in state.slots else "",
            "password_reset": self._password_reset(line),
        }
        if state.node == self.settings.confirm:
            context["id_tail"] = self._id_tail()
        context.update(values)
        return template.format_map(context)

    def _password_reset(self, line) -> str:
        """How this line's callers reset a forgotten password: its ways, in the line's order, as one sentence."""
        ways = self.messages.password_reset_ways
        joined = self.messages.password_reset_or.join(getattr(ways, way) for way in line.password_reset)
        return self.messages.password_reset.format(ways=joined)

    def _id_tail(self) -> str:
        # Should the number's registration end while the question is asked (the accounts loaded again), a repeat of
        # it names no tail, and either answer leads to the ID number.
        registered = self._registration
        return self.read.id_tail(registered.id_tail) if registered is not None else ""

    def _local(self) -> dt.datetime:
        """The time of the step on the clock of the hotline's lines."""
        return self.hotline.lines.local(self.now)

    def _today(self) -> dt.date:
        return self._local().date()
