"""Operators' scenario tests: calls described in YAML, run through the real webhooks against the current files."""

from __future__ import annotations

import datetime as dt
import difflib
import secrets
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Union
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from twilio.request_validator import RequestValidator

from ivr.content.yamlsource import SourceError, catalogue, read

BASE = "http://scenario.invalid"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Press(_Model):
    press: str = Field(pattern=r"^[0-9*#]+$")


class Silence(_Model):
    silence: Literal[True]


class AgentEnds(_Model):
    agent_answers: bool


class Hear(_Model):
    hear: str | list[str]


class NotHear(_Model):
    not_hear: str | list[str]


class Ends(_Model):
    ends: Literal["hangup", "agent"]


Step = Union[Press, Silence, AgentEnds, Hear, NotHear, Ends]


class Scenario(_Model):
    name: str
    call: str = Field(description="the number called (To)")
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
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)
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


STEP_KINDS = ("press", "silence", "agent_answers", "hear", "not_hear", "ends")


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


class Phone:
    """Posts Twilio-signed requests to the app and follows the TwiML, as a phone on a Twilio line would."""

    def __init__(self, client, token: str, to: str):
        self.client, self.validator, self.to = client, RequestValidator(token), to
        self.sid = "CA" + secrets.token_hex(16)
        self.heard: list[str] = []
        self.gather: dict | None = None
        self.silence_url = self.dial_url = None
        self.ended: str | None = None

    def post(self, url: str, **extra) -> None:
        params = {"CallSid": self.sid, "To": self.to, "From": "+8613900000000", "CallStatus": "in-progress", **extra}
        full = url if url.startswith("http") else BASE + url
        parts = urlsplit(full)
        response = self.client.post(parts.path + (f"?{parts.query}" if parts.query else ""), data=params,
                                    headers={"X-Twilio-Signature": self.validator.compute_signature(full, params)})
        self.heard, self.gather, self.silence_url, self.dial_url = [], None, None, None
        root = ET.fromstring(response.get_data(as_text=True))
        for verb in root:
            if verb.tag == "Say":
                self.heard.append(verb.text or "")
            elif verb.tag == "Gather":
                self.gather = dict(verb.attrib)
                self.heard += [say.text or "" for say in verb.iter("Say")]
            elif verb.tag == "Redirect":
                self.silence_url = verb.text
            elif verb.tag == "Dial":
                self.ended, self.dial_url = "agent", verb.attrib.get("action")
            elif verb.tag == "Hangup":
                self.ended = "hangup"

    def press(self, keys: str) -> None:
        # Twilio ends the Gather at finishOnKey or after numDigits keys; a lone finishOnKey counts as silence.
        finish = self.gather.get("finishOnKey", "#")
        digits = keys.split(finish)[0] if finish else keys
        if "numDigits" in self.gather:
            digits = digits[: int(self.gather["numDigits"])]
        if digits:
            self.post(self.gather["action"], Digits=digits)
        else:
            self.post(self.silence_url)


def play(app, token: str, file: str, scenario: Scenario) -> Outcome:
    """Dial, then take each step in turn; the first expectation not met ends the scenario."""
    outcome = Outcome(scenario.name, file)
    phone = Phone(app.test_client(), token, scenario.call)
    clock = app.config["CLOCK"]
    at = scenario.at or dt.datetime.fromisoformat(DEFAULT_AT)
    zone = app.extensions["ivr.hotline"]().lines.timezone
    clock.now = at if at.tzinfo else at.replace(tzinfo=zone)
    phone.post("/voice")
    said = list(phone.heard)
    outcome.transcript.append(("", said))
    words = catalogue()
    for index, step in enumerate(scenario.steps, start=1):
        problem = None
        if isinstance(step, (Press, Silence, AgentEnds)):
            if phone.ended == "hangup" or (phone.ended == "agent" and not isinstance(step, AgentEnds)):
                problem = _say(words["scenario_call_over"], step=index)
            elif isinstance(step, Press) and phone.gather is None:
                problem = _say(words["scenario_not_listening"], step=index)
            elif isinstance(step, Press):
                phone.press(step.press)
            elif isinstance(step, Silence):
                phone.post(phone.silence_url) if phone.silence_url else None
            elif phone.dial_url:
                phone.ended = None
                phone.post(phone.dial_url, DialCallStatus="completed" if step.agent_answers else "no-answer")
            if problem is None:
                said = list(phone.heard)
                outcome.transcript.append((_action(step), said))
        elif isinstance(step, (Hear, NotHear)):
            text = "".join(said)
            if isinstance(step, Hear):
                phrases = [step.hear] if isinstance(step.hear, str) else step.hear
                absent = [p for p in phrases if p not in text]
                problem = _say(words["scenario_not_heard"], step=index, phrases="、".join(absent)) if absent else None
            else:
                phrases = [step.not_hear] if isinstance(step.not_hear, str) else step.not_hear
                present = [p for p in phrases if p in text]
                problem = _say(words["scenario_heard"], step=index, phrases="、".join(present)) if present else None
        elif phone.ended != step.ends:
            problem = _say(words["scenario_not_ended"], step=index, ends=step.ends, ended=phone.ended or "-")
        if problem:
            outcome.missing.append(problem)
            break
    return outcome


def _say(entry: dict, **values) -> str:
    return f"{entry['zh'].format_map(values)} / {entry['en'].format_map(values)}"


def _action(step) -> str:
    if isinstance(step, Press):
        return f"press {step.press}"
    if isinstance(step, Silence):
        return "silence"
    return f"agent_answers {str(step.agent_answers).lower()}"


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
            for action, said in outcome.transcript:
                echo(f"    > {action or 'dial'}")
                for sentence in said:
                    echo(f"      {sentence}")
            for missing in outcome.missing:
                echo(f"    ! {missing}")
    failed = sum(not o.passed for o in outcomes)
    echo(_say(words["scenario_summary"], passed=len(outcomes) - failed, failed=failed))
    return 1 if failed else 0
