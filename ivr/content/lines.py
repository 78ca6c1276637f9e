"""data/lines.yaml read into the core's LineBook: which called number is which line, and when its agents answer.

Every problem is told at file:line:column (ivr.content.explain); region names are checked against regions.yaml.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ivr.content.explain import validate_file, where
from ivr.content.yamlsource import Located, SourceError
from ivr.core.lines import AgentQueue, Elder, Line, LineBook, Period
from ivr.core.ports import Limit


def _clock(value: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("not_a_time", "not a time of day", {"value": value}) from None


def _always(value):
    # `hours: always` means around the clock; any other word is a mistake, not a list of periods.
    if value == "always":
        return None
    if isinstance(value, str):
        raise PydanticCustomError("not_one_of", "not allowed", {"value": value, "expected": "'always' or a list of periods"})
    return value


Clock = Annotated[str, Field(strict=True), AfterValidator(_clock)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PeriodModel(_Model):
    days: Literal["daily", "weekdays", "weekends"]
    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _end_after_start(self):
        if self.end <= self.start:
            raise PydanticCustomError("end_before_start", "end before start", {"at": ["end"]})
        return self


Phone = Annotated[str, Field(strict=True, pattern=r"^\+[0-9]{6,15}$")]


class QueueModel(_Model):
    """The line's queue: the agents' access number, who may call it, and when a caller is offered a call back first."""

    access: Phone
    agents: Annotated[list[Phone], Field(min_length=1)]
    max_waiting: int = Field(default=10, strict=True, ge=0, le=5000)
    max_wait_minutes: int = Field(default=15, strict=True, ge=1, le=24 * 60)


class AgentModel(_Model):
    number: str = Field(strict=True, min_length=1)
    hours: Annotated[list[PeriodModel] | None, BeforeValidator(_always)]
    queue: QueueModel | None = None


class ElderModel(_Model):
    """Older callers: the age from which they hear the agent key first and wait at the front of the queue, and the
    pace of their prompts as an SSML prosody rate (a percentage from 20% to 200%)."""

    age: int = Field(strict=True, ge=50, le=120)
    rate: str | None = Field(default=None, strict=True, pattern=r"^(?:[2-9][0-9]|1[0-9][0-9]|200)%$")


class LineModel(_Model):
    numbers: Annotated[list[Annotated[str, Field(strict=True)]], Field(min_length=1)]
    region: str = Field(strict=True)
    agent: AgentModel
    # Where a caller who forgot the service password can reset it, said in this order at the password prompt's help.
    password_reset: Annotated[list[Literal["counter", "app", "agent"]], Field(min_length=1)] = ["counter"]
    # Whether the line's menus also listen to words (Twilio bills each recognition); keys work either way.
    speech: bool = Field(default=False, strict=True)
    elder: ElderModel | None = None


class CallerAttemptsModel(_Model):
    """Wrong passwords one calling number may key across all IDs within a window, whatever the ID."""

    attempts: int = Field(strict=True, ge=1, le=100)
    window_hours: float = Field(gt=0, le=24 * 30)


class LinesFile(_Model):
    timezone: str = "Asia/Shanghai"
    default: str = Field(strict=True)
    lines: Annotated[dict[str, LineModel], Field(min_length=1)]
    caller_attempts: CallerAttemptsModel | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError("unknown_timezone", "unknown time zone", {"value": value}) from None
        return value

    @field_validator("lines")
    @classmethod
    def _numbers_once(cls, lines: dict[str, LineModel]) -> dict[str, LineModel]:
        owners: dict[str, str] = {}
        for key, line in lines.items():
            located = [((key, "numbers", index), number) for index, number in enumerate(line.numbers)]
            if line.agent.queue is not None:
                # The agents' access number is a number of the hotline too: no line's callers may reach it.
                located.append(((key, "agent", "queue", "access"), line.agent.queue.access))
            for at, number in located:
                if number in owners:
                    raise PydanticCustomError("number_twice", "number twice", {
                        "at": list(at), "number": number, "other": owners[number]})
                owners[number] = key
        return lines

    @model_validator(mode="after")
    def _default_is_a_line(self):
        if self.default not in self.lines:
            raise PydanticCustomError("line_default_unknown", "unknown default line", {"at": ["default"], "default": self.default})
        return self


def check_lines(path: Path, region_keys: set[str] | None = None) -> tuple[LineBook | None, list[SourceError]]:
    """The line book (None when the file has errors) and every problem; regions are checked when keys are given."""
    model, located, problems = validate_file(path, LinesFile)
    if model is None:
        return None, problems
    problems = _unknown_regions(model, located, region_keys)
    if problems:
        return None, problems
    lines = {key: _line(key, line) for key, line in model.lines.items()}
    limit = model.caller_attempts
    caller_limit = None if limit is None else Limit(limit.attempts, dt.timedelta(hours=limit.window_hours))
    return LineBook(ZoneInfo(model.timezone), model.default, lines, caller_limit), []


def load_lines(path: Path, region_keys: set[str] | None = None) -> LineBook:
    """Read data/lines.yaml; raise the first SourceError when it has any problem."""
    book, problems = check_lines(path, region_keys)
    if problems:
        raise problems[0]
    return book


def _unknown_regions(model: LinesFile, located: Located, region_keys: set[str] | None) -> list[SourceError]:
    if region_keys is None:
        return []
    return [SourceError(located.mark(("lines", key, "region")), "line_region_unknown",
                        where=where(("lines", key, "region")), region=line.region)
            for key, line in model.lines.items() if line.region not in region_keys]


def _line(key: str, model: LineModel) -> Line:
    hours = model.agent.hours
    queue = model.agent.queue
    return Line(
        key=key,
        numbers=tuple(model.numbers),
        region=model.region,
        agent_number=model.agent.number,
        hours=None if hours is None else tuple(Period(p.days, p.start, p.end) for p in hours),
        password_reset=tuple(dict.fromkeys(model.password_reset)),
        speech=model.speech,
        queue=None if queue is None else AgentQueue(queue.access, tuple(queue.agents), queue.max_waiting,
                                                    queue.max_wait_minutes * 60),
        elder=None if model.elder is None else Elder(model.elder.age, model.elder.rate),
    )
