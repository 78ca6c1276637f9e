"""The operators' script: prompts/*.yaml read, merged and checked into typed objects."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .reading import Reader
from .yamlsource import Located, Mark, SourceError, read

# Targets a menu option may name besides a node.
ACTIONS = ("repeat", "main", "agent", "goodbye", "next_page", "previous_page", "other_region")
SECTIONS = ("settings", "nodes", "messages", "answers", "reading")


class Placeholders:
    """Annotation metadata: the {names} a template may use."""

    def __init__(self, *names: str):
        self.names = frozenset(names)


def Template(*names: str):
    return Annotated[str, Placeholders(*names)]


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


def _key_text(value):
    """Menu keys may be written unquoted (1:), which YAML reads as a number; booleans are refused."""
    if isinstance(value, bool):
        raise ValueError("a key written as yes/no/on/off/true/false is read as true or false by YAML; quote it")
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
            raise ValueError(f"the option key {key!r} is not one phone key (0-9, * or #)")
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
    agent_closed: Template("hours")
    agent_busy: str
    agent_after_call: str
    hours_period: Template("days", "start", "end")
    hours_separator: str
    hours_always: str
    days: Days
    goodbye: str
    too_many_failures: str
    apology: str
    restarted: str


class BalanceAnswers(Model):
    text: Template("as_of", "balance")
    last_credit: Template("date", "amount")
    resident: str


class PaymentAnswers(Model):
    total: Template("years", "months")
    total_whole_years: Template("years")
    gaps: Template("count")
    none: str
    month: Template("month", "base", "individual", "employer", "credited")
    unpaid: Template("month")
    year: Template("year", "individual")
    page: Template("page", "pages")
    next_hint: str
    previous_hint: str


class RebateAnswers(Model):
    own: Template("region", "age")
    region: Template("region")
    fixed: Template("amount")
    age_tiered: Template("tier", "amount")
    age_tiered_yearly: Template("tier", "amount", "monthly")
    pension_share: Template("rate", "pension", "amount")
    annual_lump_sum: Template("amount")
    own_pension_share: Template("rate")
    own_pension_amount: Template("amount")
    deduction: Template("what", "amount", "net")
    assumption: str
    tier_below: Template("age")
    tier_from: Template("age")
    tier_between: Template("low", "high")
    credit_month_by: Template("day")
    credit_month_on: Template("day")
    credit_month_around: Template("day")
    credit_year: Template("date")
    who: str
    unknown_area: Template("code")
    national: Template("low", "high", "pension", "amount")


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

    def say(self, template: str, **values) -> str:
        return template.format_map(values)


def load_script(folder: Path) -> Script:
    """Read every prompts/*.yaml file; raise SourceError naming file:line:column on any problem."""
    errors = check_script(folder)
    fatal = [error for error in errors if not error.warning]
    if fatal:
        raise fatal[0]
    merged, located = _merge(folder)
    model = ScriptModel.model_validate(merged)
    return Script(model, Reader(model.reading))


def check_script(folder: Path) -> list[SourceError]:
    """Every problem found in the prompts folder, errors and warnings, in file order."""
    try:
        merged, located = _merge(folder)
    except SourceError as error:
        return [error]
    try:
        model = ScriptModel.model_validate(merged)
    except ValidationError as exc:
        return [_explain(error, merged, located) for error in exc.errors()]
    problems = []
    try:
        Reader(model.reading)
    except ValueError as exc:
        problems.append(SourceError(located.mark(("reading",)), f"the reading lexicon is incomplete: {exc}"))
    problems += _check_references(model, located)
    problems += _check_placeholders(model, located)
    return problems


def _merge(folder: Path) -> tuple[dict, Located]:
    files = sorted(Path(folder).glob("*.yaml"))
    if not files:
        raise SourceError(Mark(str(folder), 1, 1), "no .yaml files in the prompts folder")
    merged: dict = {}
    marks: dict = {}
    key_marks: dict = {}
    for path in files:
        source = read(path, display=_display(path))
        if not isinstance(source.data, dict):
            raise SourceError(source.mark(()), "the file must be a mapping of sections (settings, nodes, messages, answers, reading)")
        for section, body in source.data.items():
            if section not in SECTIONS:
                raise SourceError(source.key_marks.get((section,)), f"unknown section {section!r}; the sections are {', '.join(SECTIONS)}")
            if not isinstance(body, dict):
                raise SourceError(source.mark((section,)), f"the section {section!r} must be a mapping of names to values")
            target = merged.setdefault(section, {})
            for name, value in body.items():
                if name in target:
                    first = key_marks.get((section, name))
                    raise SourceError(source.key_marks.get((section, name)), f"{section}.{name} is already defined at {first}; keep one")
                target[name] = value
        marks.update(source.marks)
        key_marks.update(source.key_marks)
    return merged, Located(merged, marks, key_marks)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _explain(error: dict, data, located: Located) -> SourceError:
    """Turn one pydantic error into a sentence at the line of the offending value."""
    path: list = []
    current = data
    loc = list(error["loc"])
    for index, part in enumerate(loc):
        if isinstance(current, dict) and part in current:
            path.append(part)
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            path.append(part)
            current = current[part]
        elif index == len(loc) - 1 or part not in ("menu", "input", "answer", "say", "str", "Goto", "function-after[_key_text(), str]"):
            # The last part names a missing field; anything else left is a union tag pydantic added.
            if isinstance(current, dict) and error["type"] == "missing":
                path_text = ".".join(str(p) for p in path)
                return SourceError(located.mark(tuple(path)), f"{path_text}: the field {part!r} is missing")
    where = ".".join(str(p) for p in path) or "file"
    kind = error["type"]
    if kind == "extra_forbidden":
        return SourceError(located.key_marks.get(tuple(path)) or located.mark(tuple(path)), f"{where}: unknown field {path[-1]!r}; check the spelling")
    if kind == "union_tag_invalid":
        return SourceError(located.mark(tuple(path)), f"{where}: unknown node type; use one of menu, input, answer, say")
    if kind == "union_tag_not_found":
        return SourceError(located.mark(tuple(path)), f"{where}: every node needs a type (menu, input, answer or say)")
    if kind == "missing":
        return SourceError(located.mark(tuple(path)), f"{where}: a required field is missing")
    return SourceError(located.mark(tuple(path)), f"{where}: {error['msg']}")


def _check_references(model: ScriptModel, located: Located) -> list[SourceError]:
    problems = []
    nodes = model.nodes
    keys = model.settings.keys

    def missing(target: str, path: tuple) -> None:
        if target not in nodes:
            problems.append(SourceError(located.mark(path), f"{'.'.join(map(str, path))}: there is no node called {target!r}"))

    missing(model.settings.start, ("settings", "start"))
    missing(model.settings.identify, ("settings", "identify"))
    global_keys = {keys.repeat: "repeat", keys.agent: "agent", keys.main: "main"}
    for name, node in nodes.items():
        for key, target in getattr(node, "options", {}).items():
            path = ("nodes", name, "options", key)
            if key in global_keys:
                problems.append(SourceError(located.key_marks.get(path) or located.mark(path), f"nodes.{name}.options: the key {key!r} is the global {global_keys[key]} key; choose another key"))
            go = target.go if isinstance(target, Goto) else target
            if go not in ACTIONS:
                missing(go, path)
        if isinstance(node, (InputNode, SayNode)) and node.next is not None:
            missing(node.next, ("nodes", name, "next"))
        if isinstance(node, InputNode):
            if node.next is None and node.collect != "password":
                problems.append(SourceError(located.mark(("nodes", name)), f"nodes.{name}: an input node needs `next`, the node to go to once the value is collected"))
            for needed in INPUT_ERRORS[node.collect]:
                if needed not in node.errors:
                    problems.append(SourceError(located.mark(("nodes", name, "errors")), f"nodes.{name}.errors: add the sentence {needed!r}"))
        if isinstance(node, AnswerNode):
            for slot, target in node.collect.items():
                missing(target, ("nodes", name, "collect", slot))
    return problems


def _check_placeholders(model: BaseModel, located: Located, path: tuple = ()) -> list[SourceError]:
    """Walk every template and report {names} the hotline does not provide."""
    problems = []
    for field_name, info in type(model).model_fields.items():
        if path == () and field_name == "reading":
            # The reading lexicon's templates are checked by Reader itself.
            continue
        value = getattr(model, field_name)
        allowed = _allowed(info)
        here = path + (field_name,)
        problems += _check_value(value, allowed, located, here)
    return problems


def _check_value(value, allowed, located, path) -> list[SourceError]:
    if isinstance(value, BaseModel):
        return _check_placeholders(value, located, path)
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _check_value(item, allowed, located, path + (key,))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _check_value(item, allowed, located, path + (index,))]
    if isinstance(value, str):
        names = placeholders_in(value)
        if names is None:
            return [SourceError(located.mark(path), f"{'.'.join(map(str, path))}: unbalanced braces; write {{name}} for a placeholder")]
        unknown = names - (allowed or frozenset())
        if unknown:
            offered = ", ".join("{%s}" % n for n in sorted(allowed or ())) or "none"
            return [SourceError(located.mark(path), f"{'.'.join(map(str, path))}: the placeholder {{{sorted(unknown)[0]}}} is not provided here (available: {offered})")]
    return []


def _allowed(info) -> frozenset | None:
    for annotation in [info.annotation, *info.metadata]:
        found = _find_placeholders(annotation)
        if found is not None:
            return found
    return None


def _find_placeholders(annotation) -> frozenset | None:
    if isinstance(annotation, Placeholders):
        return annotation.names
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Placeholders):
            return meta.names
    for arg in getattr(annotation, "__args__", ()):
        found = _find_placeholders(arg)
        if found is not None:
            return found
    return None


def placeholders_in(text: str) -> frozenset | None:
    """The {names} in a template, or None when its braces do not parse."""
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)
    except ValueError:
        return None
