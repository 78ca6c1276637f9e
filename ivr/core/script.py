"""The script the engine walks: settings, menu nodes, messages and answer templates as typed, frozen models.

Reading them from prompts/*.yaml, with file:line errors, is ivr.content.prompts's job."""

from __future__ import annotations

from collections.abc import Set
from functools import cache
from typing import Annotated, Literal, Union

from pydantic import Field, create_model, field_validator
from pydantic_core import PydanticCustomError

from ivr.core import answers as answer_kinds
from ivr.core.reading import Reader
from ivr.core.templates import Model, Said, Template

# Targets a menu option may name besides a node, whatever the node; answer kinds add their own (payments' paging).
GLOBAL_ACTIONS = ("repeat", "main", "agent", "goodbye")
SECTIONS = ("settings", "nodes", "messages", "answers", "reading")


class _Actions(Set):
    """Every action an option may name: the global ones, then those of each registered answer kind, as they are now."""

    def _all(self) -> list[str]:
        return list(GLOBAL_ACTIONS) + answer_kinds.all_actions()

    def __iter__(self):
        return iter(self._all())

    def __contains__(self, target) -> bool:
        return target in self._all()

    def __len__(self) -> int:
        return len(self._all())


ACTIONS = _Actions()


class Timeouts(Model):
    menu: int = Field(ge=1, le=60)
    input: int = Field(ge=1, le=60)


class Limits(Model):
    noinput: int = Field(ge=1, le=10)
    nomatch: int = Field(ge=1, le=10)


class AfterLimits(Model):
    noinput: Literal["goodbye", "agent"]
    nomatch: Literal["goodbye", "agent"]


class GlobalKeys(Model):
    repeat: str = Field(pattern=r"^[0-9*#]$")
    agent: str = Field(pattern=r"^[0-9*#]$")
    main: str = Field(pattern=r"^[0-9*#]$")


class PasswordPolicy(Model):
    length: int = Field(ge=4, le=12)
    attempts: int = Field(ge=1, le=10)
    window_hours: int = Field(ge=1, le=24 * 30)


class Speech(Model):
    chars_per_second: float = Field(default=4.0, gt=0, le=20)
    budget_seconds: int = Field(default=25, ge=1, le=600)


class Settings(Model):
    language: str
    voice: str
    start: str
    identify: str
    timeout: Timeouts
    limits: Limits
    after_limits: AfterLimits
    keys: GlobalKeys
    password: PasswordPolicy
    page_size: int = Field(ge=1, le=12)
    speech: Speech = Speech()


def _key_text(value):
    """Menu keys may be written unquoted (1:), which YAML reads as a number; booleans are refused."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_key", "a key written as yes/no/on/off/true/false is read as true or false")
    return str(value) if isinstance(value, int) else value


class Goto(Model):
    go: str
    set: dict[str, str] = {}


Option = Union[str, Goto]
NODE_PROMPT = ("line_region", "region")


class _Node(Model):
    noinput: list[Template(*NODE_PROMPT)] = []
    nomatch: list[Template(*NODE_PROMPT)] = []


def _options_validator(cls, value):
    if not isinstance(value, dict):
        return value
    cleaned = {}
    for key, target in value.items():
        text = _key_text(key)
        if not isinstance(text, str) or len(text) != 1 or text not in "0123456789*#":
            raise PydanticCustomError("phone_key", "the option key {key} is not one phone key", {"key": str(key)})
        if text in cleaned:
            # 1: and "1": are two keys to YAML but the same key on the phone; the last would silently win.
            raise PydanticCustomError("same_key", "two options on the key {key}", {"key": text})
        cleaned[text] = target
    return cleaned


class MenuNode(_Node):
    type: Literal["menu"]
    greeting: Template(*NODE_PROMPT) | None = None
    prompt: Template(*NODE_PROMPT)
    short: Template(*NODE_PROMPT) | None = None
    options: dict[str, Option]

    _keys = field_validator("options", mode="before")(_options_validator)


class InputNode(_Node):
    type: Literal["input"]
    collect: Literal["id_number", "password", "area_code", "age"]
    prompt: Template(*NODE_PROMPT)
    next: str | None = None
    errors: dict[str, Template("count", "remaining", *NODE_PROMPT)] = {}


class AnswerNode(_Node):
    type: Literal["answer"]
    # A registered answer kind (ivr.core.answers); the content checks name an unknown one at its line.
    answer: str
    requires: Literal["identity"] | None = None
    collect: dict[Literal["region", "age"], str] = {}
    after: Template(*NODE_PROMPT)
    options: dict[str, Option] = {}

    _keys = field_validator("options", mode="before")(_options_validator)


class SayNode(_Node):
    type: Literal["say"]
    text: Template(*NODE_PROMPT)
    next: str


Node = Annotated[Union[MenuNode, InputNode, AnswerNode, SayNode], Field(discriminator="type")]

# What each input node must have an error sentence for.
INPUT_ERRORS = {
    "id_number": ("length", "characters", "birth_date", "checksum", "birthplace"),
    "password": ("format", "wrong"),
    "area_code": ("format",),
    "age": ("format",),
}


class Days(Model):
    daily: str
    weekdays: str
    weekends: str


class Messages(Model):
    verified: str
    locked: str
    caller_locked: str
    caller_locked_agent: str
    noinput: list[str] = Field(min_length=1)
    nomatch: list[str] = Field(min_length=1)
    last_page: str
    first_page: str
    agent_connecting: str
    agent_closed: Said("hours")
    agent_busy: str
    agent_after_call: str
    hours_period: Template("days", required=("hours",))
    hours_separator: str
    hours_always: str
    days: Days
    goodbye: str
    too_many_failures: str
    apology: str
    outage: str
    outage_closed: str
    restarted: str


class ScriptModel(Model):
    """The prompts as validated; validate with script_model(), whose `answers` has each registered kind's section."""

    settings: Settings
    nodes: dict[str, Node] = Field(min_length=1)
    messages: Messages
    answers: Model
    reading: dict


def script_model() -> type[ScriptModel]:
    """The script's model for the answer kinds registered now: one `answers` section per kind with templates."""
    return _script_model(tuple(answer_kinds.KINDS.items()))


@cache
def _script_model(kinds: tuple) -> type[ScriptModel]:
    sections = {name: (kind.Templates, ...) for name, kind in kinds if kind.Templates is not None}
    answers = create_model("Answers", __base__=Model, **sections)
    return create_model("ScriptModel", __base__=ScriptModel, answers=(answers, ...))


class Script:
    """The validated prompts, menus and reading lexicon, ready for the engine."""

    def __init__(self, model: ScriptModel, reader: Reader):
        self.settings = model.settings
        self.nodes = model.nodes
        self.messages = model.messages
        self.answers = model.answers
        self.reader = reader


