"""The script the engine walks: settings, menu nodes, messages and answer templates as typed, frozen models.

Reading them from prompts/*.yaml, with file:line errors, is ivr.content.prompts's job."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from ivr.core.reading import Reader

# Targets a menu option may name besides a node.
ACTIONS = ("repeat", "main", "agent", "goodbye", "next_page", "previous_page", "other_region")
SECTIONS = ("settings", "nodes", "messages", "answers", "reading")


class Placeholders:
    """Annotation metadata: the {names} a template may use, and those it must say."""

    def __init__(self, *names: str, required: tuple[str, ...] = ()):
        self.names = frozenset(names) | frozenset(required)
        self.required = frozenset(required)


def Template(*names: str, required: tuple[str, ...] = ()):
    return Annotated[str, Placeholders(*names, required=required)]


def Said(*names: str):
    """A template that must say every one of its placeholders: the answer the caller asked for."""
    return Template(required=names)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    answer: Literal["balance", "payments", "rebate"]
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
    "id_number": ("length", "characters", "birth_date", "checksum", "not_found"),
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
    noinput: list[str] = Field(min_length=1)
    nomatch: list[str] = Field(min_length=1)
    last_page: str
    first_page: str
    agent_connecting: str
    agent_closed: Said("hours")
    agent_busy: str
    agent_after_call: str
    hours_period: Template("days", required=("start", "end"))
    hours_separator: str
    hours_always: str
    days: Days
    goodbye: str
    too_many_failures: str
    apology: str
    outage: str
    outage_closed: str
    restarted: str


class BalanceAnswers(Model):
    text: Said("as_of", "balance")
    last_credit: Said("date", "amount")
    resident: str


class PaymentAnswers(Model):
    total: Said("years", "months")
    total_whole_years: Said("years")
    gaps: Said("count")
    none: str
    month: Template("base", "employer", "credited", required=("month", "individual"))
    unpaid: Said("month")
    year: Said("year", "individual")
    page: Template("pages", required=("page",))
    next_hint: str
    previous_hint: str


class RebateAnswers(Model):
    own: Template("age", required=("region",))
    region: Said("region")
    fixed: Said("amount")
    age_tiered: Said("tier", "amount")
    age_tiered_yearly: Template("monthly", required=("tier", "amount"))
    pension_share: Template("pension", required=("rate", "amount"))
    annual_lump_sum: Said("amount")
    own_pension_share: Said("rate")
    own_pension_amount: Said("amount")
    deduction: Template("what", "amount", required=("net",))
    assumption: str
    tier_below: Said("age")
    tier_from: Said("age")
    tier_between: Said("low", "high")
    credit_month_by: Said("day")
    credit_month_on: Said("day")
    credit_month_around: Said("day")
    credit_year: Said("date")
    credit_year_by: Said("date")
    credit_year_around: Said("date")
    who: str
    unknown_area: Template("code")
    national: Template("low", "pension", "amount", required=("high",))


class Answers(Model):
    balance: BalanceAnswers
    payments: PaymentAnswers
    rebate: RebateAnswers


class ScriptModel(Model):
    settings: Settings
    nodes: dict[str, Node] = Field(min_length=1)
    messages: Messages
    answers: Answers
    reading: dict


class Script:
    """The validated prompts, menus and reading lexicon, ready for the engine."""

    def __init__(self, model: ScriptModel, reader: Reader):
        self.settings = model.settings
        self.nodes = model.nodes
        self.messages = model.messages
        self.answers = model.answers
        self.reader = reader


