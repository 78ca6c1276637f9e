"""Answer kinds: what an answer node says, one module per kind, registered by name.

An answer node in prompts/menus.yaml names its kind (`answer: balance`), and `ivr check` refuses a name that is not
registered here, with the closest one. The engine knows no kind by name: it walks to the node, fetches what the kind
says it needs (a verified caller, a region, an age), lets the kind handle its own option actions, and says the
sentences the kind returns followed by the node's `after` hint.

How a kind is declared
----------------------
A kind is a subclass of `AnswerKind` in a module of this package (imported at the bottom of this file), or anywhere
else that is imported before the prompts are read, decorated with `register`::

    from ivr.core.answers import AnswerKind, Ask, Context, Spoken, register
    from ivr.core.templates import Model, Said


    class FactWords(Model):                 # its section of `answers:` in prompts/*.yaml, checked by `ivr check`
        text: Said("as_of")


    @register
    class Fact(AnswerKind):
        name = "fact"                       # what `answer:` names in the prompts, and the `answers:` section's name
        Templates = FactWords
        verified_caller = True              # the engine asks for the ID number and password first
        collects = ()                       # slots the node's `collect` nodes must ask for: "region", "age"
        actions = {}                        # its own option targets -> the slot they ask for again (or None)

        def speak(self, call: Context) -> Spoken | Ask:
            return Spoken([call.words.text.format(as_of=call.read.date(call.account.as_of))])

`speak` returns the sentences (`Spoken`: the facts, then any notes said before the options), or what the answer still needs (`Ask("region")`: the engine goes to the
node's `collect.region` node, which comes back here once the caller has keyed it; `Ask("identity")`: to the ID-number
node and back). `act` handles the kind's own actions, such as the payment records' `next_page`: it returns sentences,
an `Ask`, or None to say the answer again. `arrive` forgets what the kind kept in the call's slots when a caller comes
to the node afresh. Every word a caller hears comes from the kind's templates or the script's messages, never from
Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable, ClassVar

from ivr.core.templates import Model

if TYPE_CHECKING:
    from ivr.core.accounts import Account
    from ivr.core.reading import Reader
    from ivr.core.regions import RegionBook
    from ivr.core.script import AnswerNode, Messages, Script

# The slots an answer node's `collect` nodes can fill in, and the pseudo-slot for a verified caller.
COLLECTABLE = ("region", "age")
IDENTITY = "identity"


@dataclass(frozen=True)
class Spoken:
    """What an answer says: its facts, a hint said just before the node's `after` (the keys for more), and notes.

    Notes are said after the facts and before the options: a disclaimer, the page the caller is on. They are kept
    apart from the facts so that the time from the end of the facts to the options can be measured (`ivr effort`)."""

    sentences: list[str]
    hint: str = ""
    # Said after the facts and before the options: disclaimers, the page one is on.
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Ask:
    """What an answer still needs before it can be said: `identity` or one of COLLECTABLE."""

    slot: str


@dataclass
class Context:
    """One call at one answer node, as its kind sees it."""

    script: Script
    regions: RegionBook
    node: AnswerNode
    # The call's slots (region, code, age, own, page): a kind may keep its own there, as payments keep the page.
    slots: dict
    today: dt.date
    load_account: Callable[[], Account | None] = field(repr=False)

    @cached_property
    def account(self) -> Account | None:
        """The verified caller's account, read once and only when a kind asks for it; None without one."""
        return self.load_account()

    @property
    def words(self):
        """The kind's own templates: its section of `answers:`."""
        return getattr(self.script.answers, self.node.answer)

    @property
    def read(self) -> Reader:
        return self.script.reader

    @property
    def messages(self) -> Messages:
        return self.script.messages


class AnswerKind:
    """One kind of answer; subclasses declare what they need and say, and register themselves by name."""

    name: ClassVar[str] = ""
    # The model of the kind's section of `answers:`; None for a kind whose words all come from `messages`.
    Templates: ClassVar[type[Model] | None] = None
    # True: the answer cannot be said without a verified caller, so the engine asks for identity first.
    verified_caller: ClassVar[bool] = False
    # True: the answer reads the payment records, the largest part of an account, which is otherwise left unread.
    records: ClassVar[bool] = False
    # Slots the answer node must name a `collect` node for, because `speak` may Ask for them.
    collects: ClassVar[tuple[str, ...]] = ()
    # Option targets of the kind's own, each with the slot it asks for again (None: it stays on the answer).
    actions: ClassVar[dict[str, str | None]] = {}
    # Of those, the ones whose key must mean nothing else in any node (paging), so that a key keeps one meaning.
    reserved_actions: ClassVar[frozenset[str]] = frozenset()

    def arrive(self, slots: dict) -> None:
        """A caller comes to the node afresh: forget what the kind kept for an earlier visit."""

    def speak(self, call: Context) -> Spoken | Ask:
        raise NotImplementedError

    def act(self, call: Context, action: str) -> Spoken | Ask | None:
        """One of the kind's own actions; None says the answer again."""
        raise NotImplementedError


# Every registered kind by name, in registration order (the order `ivr check` lists them in).
KINDS: dict[str, type[AnswerKind]] = {}


def register(cls: type[AnswerKind]) -> type[AnswerKind]:
    """Class decorator: make a kind available to `answer:` in the prompts under its name."""
    if not cls.name:
        raise ValueError(f"{cls.__qualname__} has no name")
    unknown = set(cls.collects) - set(COLLECTABLE)
    if unknown:
        raise ValueError(f"{cls.name} collects {sorted(unknown)}; only {COLLECTABLE} can be collected")
    KINDS[cls.name] = cls
    return cls


def kind(name: str) -> AnswerKind:
    """The registered kind of that name, ready to speak."""
    return KINDS[name]()


def all_actions() -> list[str]:
    """Every registered kind's own option targets, in registration order."""
    return [action for registered in KINDS.values() for action in registered.actions]


# The kinds that ship; importing them registers them.
from ivr.core.answers import balance, payments, rebate  # noqa: E402,F401
