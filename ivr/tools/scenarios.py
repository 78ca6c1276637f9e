"""Operators' scenario tests: calls described in YAML, run through the real webhooks against the current files."""

from __future__ import annotations

import datetime as dt
import difflib
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ivr.content.yamlsource import SourceError, catalogue, read
from ivr.tools.phone import (
    ANSWERED,
    DEFAULT_FROM,
    CallOver,
    NotListening,
    NotQueued,
    NotTransferring,
    Phone,
    Turn,
)

BASE = "http://scenario.invalid"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Press(_Model):
    press: str = Field(pattern=r"^[0-9*#]+$")


class Words(_Model):
    text: str = Field(min_length=1, max_length=200)
    # The recogniser's confidence, from 0 to 1; below settings.recognition.confidence the hotline asks to confirm.
    confidence: float = Field(default=0.9, ge=0, le=1)


class Say(_Model):
    """Words said instead of keys, as Twilio's recogniser sends them: the text alone, or {text, confidence}."""

    say: str | Words


class Silence(_Model):
    silence: Literal[True]


class AgentEnds(_Model):
    agent_answers: bool


class Place(_Model):
    """A caller's place in an agents' queue, as Twilio tells the wait URL: QueuePosition and AvgQueueTime."""

    position: int = Field(ge=1, le=5000)
    average: int = Field(default=0, ge=0, le=24 * 3600)


class Wait(_Model):
    wait: Place


class OthersWaiting(_Model):
    """Other callers already waiting in the line's queue (for a queue too long to join without the offer of a call
    back)."""

    others_waiting: int = Field(ge=1, le=5000)


class AgentTakes(_Model):
    agent_takes: Literal[True]


class QueueEnds(_Model):
    queue_ends: Literal["bridged", "hangup", "queue-full", "error", "system-error"]


class Hear(_Model):
    hear: str | list[str]


class NotHear(_Model):
    not_hear: str | list[str]


class Ends(_Model):
    ends: Literal["hangup", "agent", "queue"]


class Texted(_Model):
    """Phrases a text message the call asked for must contain (the message as it would be sent; none is sent)."""

    texted: str | list[str]


Step = Union[Press, Say, Silence, AgentEnds, Wait, OthersWaiting, AgentTakes, QueueEnds, Hear, NotHear, Ends, Texted]


class Scenario(_Model):
    name: str
    call: str = Field(description="the number called (To)")
    caller: str = Field(default=DEFAULT_FROM, description="the number calling (From), such as a registered mobile")
    at: dt.datetime | None = None
    steps: list[Step] = Field(min_length=1)


class ScenarioFile(_Model):
    scenarios: list[Scenario] = Field(min_length=1)


# A weekday morning, inside every line's agent hours, unless a scenario says `at`.
DEFAULT_AT = "2026-11-23T10:00:00"


@dataclass
class Outcome:
    name: str
    file: str
    transcript: list[Turn] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.missing


def load(path: Path) -> list[tuple[str, Scenario]]:
    """The scenarios in a file, or in every .yaml file of a folder; SourceError names file:line on a mistake."""
    files = sorted(Path(path).glob("*.yaml")) if Path(path).is_dir() else [Path(path)]
    found = []
    for file in files:
        source = read(file)
        _check_steps(source)
        try:
            model = ScenarioFile.model_validate(source.data)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"] if not isinstance(p, str) or p[:1].islower())
            raise SourceError(source.mark(tuple(p for p in error["loc"] if isinstance(p, int) or p in ("scenarios", "steps"))),
                              "invalid_value", where=where, detail=error["msg"]) from None
        found += [(str(file), scenario) for scenario in model.scenarios]
    return found


STEP_KINDS = ("press", "say", "silence", "agent_answers", "wait", "others_waiting", "agent_takes", "queue_ends", "hear",
              "not_hear", "ends", "texted")


def _check_steps(source) -> None:
    """A misspelt step (pres:) gets its own sentence instead of one complaint per kind of step."""
    scenarios = source.data.get("scenarios") if isinstance(source.data, dict) else None
    for i, scenario in enumerate(scenarios if isinstance(scenarios, list) else []):
        steps = scenario.get("steps") if isinstance(scenario, dict) else None
        for j, step in enumerate(steps if isinstance(steps, list) else []):
            names = list(step) if isinstance(step, dict) else []
            if len(names) != 1 or names[0] not in STEP_KINDS:
                word = str(names[0]) if names else ""
                close = difflib.get_close_matches(word, STEP_KINDS, n=1)
                path = ("scenarios", i, "steps", j) + ((names[0],) if names else ())
                raise SourceError(source.key_mark(path), "unknown_field", where=f"scenarios.{i}.steps.{j}", field=word,
                                  allowed=", ".join(STEP_KINDS), suggest=close[0] if close else "")


def play(app, token: str, file: str, scenario: Scenario) -> Outcome:
    """Dial, then take each step in turn; the first expectation not met ends the scenario."""
    outcome = Outcome(scenario.name, file)
    clock = app.config["CLOCK"]
    at = scenario.at or dt.datetime.fromisoformat(DEFAULT_AT)
    zone = app.extensions["ivr.versions"]().lines.timezone
    clock.now = at if at.tzinfo else at.replace(tzinfo=zone)
    phone = Phone(app.test_client(), token, scenario.call, from_=scenario.caller, base=BASE)
    outcome.transcript = phone.turns
    phone.dial()
    words = catalogue()

    def agent_takes(step) -> None:
        """An agent of the line calls its access number, and Twilio connects them to the waiting caller."""
        line = app.extensions["ivr.versions"]().lines.for_number(scenario.call)
        if line.queue is None:
            raise _NoAgent
        agent = Phone(phone.transport, token, line.queue.access, from_=line.queue.agents[0], base=BASE)
        agent.dial("/voice/agent")
        if agent.queue_url is None:
            raise _NoAgent
        phone.taken(agent.queue_url)

    def others_waiting(step) -> None:
        line = app.extensions["ivr.versions"]().lines.for_number(scenario.call)
        if line.queue is None:
            raise _NoAgent
        waiting = app.extensions["ivr.store"].queue_callers
        for n in range(step.others_waiting):
            waiting.joined(f"CAwaiting{n}", line.queue_name(False), clock())

    actions = {**_ACTIONS, AgentTakes: lambda phone, step: agent_takes(step),
               OthersWaiting: lambda phone, step: others_waiting(step)}
    for index, step in enumerate(scenario.steps, start=1):
        if isinstance(step, Texted):
            problem = _texted(app, phone, step, index, words)
        else:
            problem = _take(phone, step, index, words, actions)
        if problem:
            outcome.missing.append(problem)
            break
    return outcome


# What the caller does at each kind of step, and the sentence for a step the call cannot take.
_ACTIONS = {
    Press: lambda phone, step: phone.press(step.press),
    Say: lambda phone, step: phone.say(*_words(step.say)),
    Silence: lambda phone, step: phone.silence(),
    AgentEnds: lambda phone, step: phone.transfer_ends(ANSWERED if step.agent_answers else "no-answer"),
    Wait: lambda phone, step: phone.hold(step.wait.position, average=step.wait.average),
    QueueEnds: lambda phone, step: phone.queue_ends(step.queue_ends),
}
_CANNOT = {CallOver: "scenario_call_over", NotListening: "scenario_not_listening"}


class _NoAgent(Exception):
    """No agent can take the caller: the line has no queue, or its access number dialled none."""


def _take(phone: Phone, step, index: int, words: dict, actions: dict = _ACTIONS) -> str | None:
    """Take one step: an action of the caller or an expectation; the problem found, if any."""
    action = actions.get(type(step))
    if action is not None:
        try:
            action(phone, step)
        except NotTransferring:
            return _say(words["scenario_not_ended"], step=index, ends="agent", ended=phone.ended or "-")
        except _NoAgent:
            return _say(words["scenario_no_agent"], step=index)
        except (CallOver, NotListening) as exc:
            code = _CANNOT[type(exc)]
            if isinstance(step, Say) and isinstance(exc, NotListening):
                code = "scenario_not_listening_words"
            return _say(words[code], step=index)
        except NotQueued:
            # Waiting, being taken or leaving a queue the caller is not in.
            return _say(words["scenario_not_queued"], step=index)
        return None
    return _expect(phone, step, index, words)


def _words(said: str | Words) -> tuple[str, float]:
    return (said, Words.model_fields["confidence"].default) if isinstance(said, str) else (said.text, said.confidence)


def _expect(phone: Phone, step, index: int, words: dict) -> str | None:
    """Check one expectation against what the last action brought."""
    if isinstance(step, Hear):
        absent = [p for p in _phrases(step.hear) if p not in phone.said]
        return _say(words["scenario_not_heard"], step=index, phrases="、".join(absent)) if absent else None
    if isinstance(step, NotHear):
        present = [p for p in _phrases(step.not_hear) if p in phone.said]
        return _say(words["scenario_heard"], step=index, phrases="、".join(present)) if present else None
    ended = "queue" if phone.queued is not None and phone.ended is None else phone.ended
    if ended != step.ends:
        return _say(words["scenario_not_ended"], step=index, ends=step.ends, ended=ended or "-")
    return None


def _texted(app, phone: Phone, step: Texted, index: int, words: dict) -> str | None:
    """Check the text messages the call asked for, as the outbox holds them."""
    bodies = "".join(text.body for text in app.extensions["ivr.outbox"].of_call(phone.call_sid))
    absent = [p for p in _phrases(step.texted) if p not in bodies]
    return _say(words["scenario_not_texted"], step=index, phrases="、".join(absent)) if absent else None


def _phrases(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _say(entry: dict, **values) -> str:
    return f"{entry['zh'].format_map(values)} / {entry['en'].format_map(values)}"


def run_all(prompts: Path, data: Path, scenarios: Path) -> list[Outcome]:
    """Every scenario, each in a fresh database with the demo accounts, against the given prompts and data."""
    from ivr.web.app import create_app

    token = secrets.token_hex(16)
    outcomes = []
    found = load(scenarios)
    with tempfile.TemporaryDirectory() as folder:
        for index, (file, scenario) in enumerate(found):
            app = create_app({
                "TESTING": True, "TWILIO_AUTH_TOKEN": token, "IVR_PUBLIC_URL": BASE, "IVR_LOAD_DEMO": "1",
                "DATABASE_URL": f"sqlite:///{Path(folder) / f'{index}.sqlite'}", "REDIS_URL": "",
                "IVR_PROMPTS": str(prompts), "IVR_DATA": str(data), "IVR_RELOAD_SECONDS": "0",
                "IVR_SIMULATOR": "0", "CLOCK": _Clock(),
                # Scenarios never send a text message, whatever account the environment names.
                "TWILIO_ACCOUNT_SID": "",
            })
            outcomes.append(play(app, token, file, scenario))
    return outcomes


class _Clock:
    """The scenario's moment of the call; each scenario sets it."""

    now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


def report(outcomes: list[Outcome], echo, verbose: bool = False) -> int:
    """Print pass or fail per scenario, the transcript and what was missing; 1 when any scenario failed."""
    words = catalogue()
    for outcome in outcomes:
        label = words["scenario_pass" if outcome.passed else "scenario_fail"]
        echo(f"{label['en']}/{label['zh']}: {outcome.name}  ({outcome.file})")
        if verbose or not outcome.passed:
            for turn in outcome.transcript:
                echo(f"    > {turn.action}")
                for sentence in turn.sentences:
                    echo(f"      [{sentence.node or '?'}] {sentence.text}")
            for missing in outcome.missing:
                echo(f"    ! {missing}")
    failed = sum(not o.passed for o in outcomes)
    echo(_say(words["scenario_summary"], passed=len(outcomes) - failed, failed=failed))
    return 1 if failed else 0
