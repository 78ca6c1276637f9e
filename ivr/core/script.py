"""The script the engine walks: settings, menu nodes, messages and answer templates as typed, frozen models.

Reading them from prompts/*.yaml, with file:line errors, is ivr.content.prompts's job."""

from __future__ import annotations

from collections.abc import Set
from functools import cache, cached_property
from typing import Annotated, Literal, Union

from pydantic import Field, create_model, field_validator
from pydantic_core import PydanticCustomError

from ivr.core import answers as answer_kinds
from ivr.core.reading import Reader, Writer
from ivr.core.templates import Model, Said, Template

# Targets a menu option may name besides a node, whatever the node; answer kinds add their own (payments' paging).
# `back` returns from an entry prompt's help menu to the entry the caller left (ID number, password...).
GLOBAL_ACTIONS = ("repeat", "main", "agent", "goodbye", "back")
# After an answer: send its facts as a text message to the verified caller's registered mobile. Its key means nothing
# else in any node (`ivr check`), so that it is the same key after every answer.
TEXT_ACTION = "send_text"
# The ratings a caller gives the agent's service in the menu settings.rating names, best first; each is an option
# target of that menu alone, and the value stored with the call.
RATINGS = ("satisfied", "fairly_satisfied", "dissatisfied")
# The answers to the node that asks a caller from a registered mobile whether they are that account's insured person
# (settings.confirm): yes goes on to the password, no to the ID number. Only that node may use them.
CALLER_ACTIONS = ("its_me", "not_me")
# Asking to be called back by an agent: kept with the calling number, the line and the node the caller came from.
# Its key is the one that leaves the agents' queue (settings.queue.leave_key) in every node that offers it.
CALLBACK = "callback"
SECTIONS = ("settings", "nodes", "messages", "answers", "reading")


class _Actions(Set):
    """Every action an option may name: the global ones, the registered caller's answers, then those of each registered
    answer kind, as they are now."""

    def _all(self) -> list[str]:
        return [*GLOBAL_ACTIONS, TEXT_ACTION, *CALLER_ACTIONS, CALLBACK, *RATINGS, *answer_kinds.all_actions()]

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
    budget_seconds: int = Field(default=25, ge=1, le=600)


class Recognition(Model):
    """How the hotline listens to words where a line turns speech on (data/lines.yaml `speech`)."""

    # Twilio's Gather language and speech model; cmn-Hans-CN is its Mandarin code for recognition.
    language: str = "cmn-Hans-CN"
    model: str = "googlev2_telephony"
    # Seconds of pause that end an utterance: Twilio's "auto" cuts off callers who pause mid-sentence.
    timeout: int = Field(default=2, ge=1, le=10)
    # Below this confidence (0 to 1) the hotline asks whether it understood before acting on the words.
    confidence: float = Field(default=0.5, ge=0, le=1)
    # Words for the global keys in every menu, and for yes and no when the hotline asks to confirm.
    repeat: list[str] = []
    main: list[str] = []
    agent: list[str] = []
    yes_words: list[str] = []
    no_words: list[str] = []
    # The keys that answer the confirmation question, as its sentence (messages.speech_confirm) says them.
    yes_key: str = Field(default="1", pattern=r"^[0-9*#]$")
    no_key: str = Field(default="2", pattern=r"^[0-9*#]$")
    # Characters callers say for digits (the radio forms of 1, 2 and 0), made one with the digit before matching.
    same_as: dict[str, str] = {}
    # How callers say the X that ends some ID numbers, and words around a number said aloud that mean nothing.
    x_words: list[str] = []
    around: list[str] = []


class EffortBudgets(Model):
    # Seconds of the first thing a caller hears: the greeting and the main menu.
    main_menu: float = Field(default=9, gt=0, le=600)
    # Seconds from the end of an answer's facts to its options: the notes said in between.
    options: float = Field(default=2, ge=0, le=600)


class EffortPath(Model):
    """One way through the menus, measured by `ivr effort`: the keys a caller presses from the start of a call."""

    name: str = Field(min_length=1)
    # The number dialled (Twilio's To) and, where it matters, the caller's own number (From).
    call: str = Field(min_length=1)
    from_: str = Field(default="", alias="from")
    # What the caller keys at each prompt in turn, with the # that ends an entry.
    keys: list[str] = Field(min_length=1)
    # True: the caller keys as soon as each prompt starts, hearing none of it (a caller who knows the menus).
    type_ahead: bool = False
    # Where the path ends: with the answer's first sentence of facts (`first_fact`: the balance is heard once its
    # amount is said) or with all of them (`facts`: a page of payment records, a region's whole rule).
    until: Literal["first_fact", "facts"] = "facts"
    budget: float = Field(gt=0, le=600)

    @field_validator("keys")
    @classmethod
    def _phone_keys(cls, keys: list[str]) -> list[str]:
        for index, pressed in enumerate(keys):
            if not pressed or pressed.strip("0123456789*#"):
                raise PydanticCustomError("not_phone_keys", "not phone keys", {"at": [index], "value": pressed})
        return keys


class Effort(Model):
    # How fast the voice speaks, in Chinese characters a second, and how long a caller takes to press one key.
    chars_per_second: float = Field(default=4.5, gt=0, le=20)
    key_seconds: float = Field(default=0.6, ge=0, le=10)
    budgets: EffortBudgets = EffortBudgets()
    paths: list[EffortPath] = []

    @field_validator("paths")
    @classmethod
    def _names_once(cls, paths: list[EffortPath]) -> list[EffortPath]:
        seen = set()
        for index, path in enumerate(paths):
            if path.name in seen:
                raise PydanticCustomError("path_twice", "two paths of one name", {"at": [index, "name"], "name": path.name})
            seen.add(path.name)
        return paths


GlobalRole = Literal["main", "agent", "repeat"]


class GlobalLabels(Model):
    main: str = Field(min_length=1)
    agent: str = Field(min_length=1)
    repeat: str = Field(min_length=1)


class MenuLabels(Model):
    """How a menu without a prompt of its own is said: each option by its label, then the global keys named here."""

    # One option as said: its label and its key (a digit as written, * and # by reading.keys).
    option: Template(required=("label", "key"))
    # What stands between two options, and what ends the prompt.
    separator: str
    ending: str
    # The global keys said after the options, in this order: in the full prompt (the first visit, the repeat key and
    # later re-prompts) and in the short one (coming back, and the first re-prompt). The main menu leaves out `main`.
    full: list[GlobalRole]
    short: list[GlobalRole]
    # What each global key is, as its option would be labelled.
    global_labels: GlobalLabels
    # The older callers' prompt of a built menu opens with the agent key said this way ({key}), then the options and
    # the full prompt's other global keys; without it, older callers hear messages.elder_first before the prompt.
    elder_lead: Said("key") | None = None

    @field_validator("full", "short")
    @classmethod
    def _each_once(cls, roles: list[str]) -> list[str]:
        for index, role in enumerate(roles):
            if role in roles[:index]:
                raise PydanticCustomError("role_twice", "a global key named twice", {"at": [index], "role": role})
        return roles


class QueueSettings(Model):
    """What a caller waiting in an agents' queue hears (data/lines.yaml says which lines queue)."""

    # Seconds of quiet hold between two announcements of the caller's place and expected wait.
    announce_seconds: int = Field(default=30, ge=5, le=600)
    # The key that leaves the queue for a call back; every menu option `callback` must be on it too.
    leave_key: str = Field(default="1", pattern=r"^[0-9*#]$")


class Settings(Model):
    language: str
    voice: str
    start: str
    identify: str
    # The menu a caller reaches when the agent's phone is busy or not answered (a choice, never a dead end); without
    # one the caller hears messages.agent_busy and the main menu.
    agent_busy: str | None = None
    # The menu that asks a caller from a registered mobile whether they are its insured person; without it, every
    # caller is asked for the ID number.
    confirm: str | None = None
    # How menus without a prompt of their own are built from their options' labels.
    menu_labels: MenuLabels | None = None
    # The menu that asks a caller to rate the agent's service when the agent leg ends; without it, the caller hears
    # messages.agent_after_call and the call ends.
    rating: str | None = None
    # Text messages one call may ask for (key after an answer); more are refused with messages.text_limit.
    texts_per_call: int = Field(default=3, ge=0, le=10)
    # The menu after the agents' hours and next opening were said (a call back, or the menus); without one the caller
    # goes back to the main menu.
    agent_closed: str | None = None
    # The menu offered before queueing when many callers wait or the wait is long (wait anyway, or a call back);
    # without one the caller joins the queue whatever its length.
    queue_busy: str | None = None
    queue: QueueSettings = QueueSettings()
    timeout: Timeouts
    limits: Limits
    after_limits: AfterLimits
    keys: GlobalKeys
    password: PasswordPolicy
    page_size: int = Field(ge=1, le=12)
    speech: Speech = Speech()
    recognition: Recognition = Recognition()
    effort: Effort = Effort()


def _key_text(value):
    """Menu keys may be written unquoted (1:), which YAML reads as a number; booleans are refused."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_key", "a key written as yes/no/on/off/true/false is read as true or false")
    return str(value) if isinstance(value, int) else value


class Goto(Model):
    go: str
    set: dict[str, str] = {}
    # What the option is, in the operators' words ("check the balance"): a menu without a prompt of its own is built from its
    # options' labels (settings.menu_labels), and callers on a line that listens may say the label for the key.
    label: Template() | None = None


Option = Union[str, Goto]
# What any node's sentences may name: the line's region, the region chosen, and where the line resets passwords.
NODE_PROMPT = ("line_region", "region", "password_reset")
# What a menu may say besides: {id_tail}, the last characters of the registered caller's ID number, which the content
# checks allow only in the node settings.confirm names.
MENU_PROMPT = (*NODE_PROMPT, "id_tail")


class _Node(Model):
    # The operators' own name for the node, shown on the operator page and the menu map instead of its id.
    title: str | None = Field(default=None, min_length=1, max_length=40)
    # An English gloss of what the node says, shown by the simulator's English switch; callers never hear it.
    en: str | None = Field(default=None, min_length=1, max_length=400)
    noinput: list[Template(*NODE_PROMPT)] = []
    nomatch: list[Template(*NODE_PROMPT)] = []


def _say_validator(cls, value):
    """The phrases of each option, by its key written as in `options` (1: or "1":)."""
    if not isinstance(value, dict):
        return value
    return {_key_text(key): phrases for key, phrases in value.items()}


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
    greeting: Template(*MENU_PROMPT) | None = None
    # Written by hand, or left out for the content loader to build, with `short`, from the options' labels.
    prompt: Template(*MENU_PROMPT) | None = None
    short: Template(*MENU_PROMPT) | None = None
    # The prompt for older callers (data/lines.yaml `elder`), with the agent key first; without one they hear
    # messages.elder_first before the prompt.
    elder_prompt: Template(*MENU_PROMPT) | None = None
    options: dict[str, Option]
    # For each option key, what a caller may say instead of keying it (on lines that listen); also Twilio's hints.
    say: dict[str, list[str]] = {}

    _keys = field_validator("options", mode="before")(_options_validator)
    _said = field_validator("say", mode="before")(_say_validator)


class InputNode(_Node):
    type: Literal["input"]
    collect: Literal["id_number", "password", "area_code", "age"]
    prompt: Template(*NODE_PROMPT)
    next: str | None = None
    # The menu `*` keyed alone leads to: the entry's one way back, to an agent, or (for the password) how to reset it.
    # `*` alone is never part of an ID number (X is its last key) nor of a password (digits only).
    help: str | None = None
    # The number of keys after which the entry ends without # (an ID number's 18, the password's length).
    ends_after: int | None = Field(default=None, ge=1, le=40)
    errors: dict[str, Template("count", "remaining", *NODE_PROMPT)] = {}


class AnswerNode(_Node):
    type: Literal["answer"]
    # A registered answer kind (ivr.core.answers); the content checks name an unknown one at its line.
    answer: str
    requires: Literal["identity"] | None = None
    collect: dict[Literal["region", "age"], str] = {}
    after: Template(*NODE_PROMPT)
    # The options said after later answers in the same call, once the caller has heard the keys in full; optional.
    after_short: Template(*NODE_PROMPT) | None = None
    options: dict[str, Option] = {}
    say: dict[str, list[str]] = {}

    _keys = field_validator("options", mode="before")(_options_validator)
    _said = field_validator("say", mode="before")(_say_validator)


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


class ResetWays(Model):
    counter: str
    app: str
    agent: str


class Messages(Model):
    verified: str
    locked: str
    caller_locked: str
    agent_offer: str
    password_reset: Said("ways")
    password_reset_ways: ResetWays
    password_reset_or: str
    noinput: list[str] = Field(min_length=1)
    nomatch: list[str] = Field(min_length=1)
    last_page: str
    first_page: str
    agent_connecting: str
    agent_closed: Said("hours")
    agent_next: Said("when")
    agent_busy: str
    agent_after_call: str
    hours_period: Template("days", required=("hours",))
    hours_separator: str
    hours_always: str
    days: Days
    # The next opening: today, tomorrow, or the day of the week (Monday first).
    today: str
    tomorrow: str
    weekday_names: list[str] = Field(min_length=7, max_length=7)
    goodbye: str
    too_many_noinput: str
    too_many_nomatch: str
    apology: str
    outage: str
    outage_closed: str
    restarted: str
    # Speech: words that matched no option or several, the question when the recogniser was unsure, and the
    # refusal of words at the password prompt (passwords are keyed only, never said aloud).
    speech_nomatch: Template("choices")
    speech_confirm: Said("choice")
    speech_separator: str
    # An ID number said aloud, read back in groups ({groups}) before it is used.
    id_readback: Said("groups")
    password_keys_only: str
    # The rating after the agent: thanks for a rating; the goodbye when none came (say nothing more than goodbye).
    rating_thanks: str
    # Text messages: {tail} is the registered mobile's last four digits, read one by one. The webhook cannot know
    # whether the message arrives, so text_queued must say it is being sent, never that it was.
    text_queued: Said("tail")
    text_no_mobile: str
    text_needs_identity: str
    text_limit: str
    # The message itself: {facts} is the answer's facts, written with digits (ivr.core.reading.Writer).
    text_body: Said("facts")
    # Older callers hear this first in the greeting, every menu and the options after every answer.
    elder_first: str
    # The agents' queue: the caller's place ({ahead}: callers before them), the next in line, the expected wait
    # ({minutes}), how to leave for a call back, the queue's length before joining it ({waiting}), and the words
    # said as an agent takes the call.
    queue_ahead: Said("ahead")
    queue_next: str
    queue_estimate: Said("minutes")
    queue_leave: str
    queue_long: Said("waiting")
    queue_answered: str
    # A call back: registered while agents answer, or for their next opening ({when}); a number that cannot be
    # called back (withheld) is told so.
    callback_soon: str
    callback_next: Said("when")
    callback_no_number: str
    # Said to someone calling a line's agent access number: not one of its agents, or no caller waiting.
    access_refused: str
    access_empty: str


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

    @cached_property
    def written(self) -> Script:
        """The same script reading figures with digits (ivr.core.reading.Writer): an answer's facts for a text."""
        copy = Script.__new__(Script)
        copy.__dict__.update({name: value for name, value in vars(self).items() if name != "written"})
        copy.reader = Writer(self.reader.lexicon)
        return copy


