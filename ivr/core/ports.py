"""The interfaces the core calls and the outer layers implement (cosmicpython's ports)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol

from ivr.core.accounts import Account


@dataclass(frozen=True)
class Limit:
    """At most `attempts` wrong passwords within `window`."""

    attempts: int
    window: dt.timedelta


@dataclass(frozen=True)
class Attempt:
    """What one password attempt came to.

    verified: the password is right; wrong: it is not (or no such ID), and `remaining` more may be tried; locked: the
    ID is locked or its limit is full, so the password was not even checked; caller_locked: the calling number has
    used up its attempts across IDs.
    """

    outcome: Literal["verified", "wrong", "locked", "caller_locked"]
    remaining: int = 0


@dataclass(frozen=True)
class Registered:
    """The one account a calling number is registered on: its reference, and the ID number's last four characters,
    the only thing about it the hotline says before the password."""

    reference: str
    id_tail: str


@dataclass(frozen=True)
class QueueLoad:
    """Callers waiting in one agents' queue now, and the latest average wait Twilio reported for it (0: unknown)."""

    waiting: int
    average_seconds: int


class Backend(Protocol):
    """What the engine needs from storage; ivr.storage.store.Store provides it.

    The engine never keeps an ID number: it keeps the reference (a keyed hash) that `reference` makes of it, and
    gives that to every other method.
    """

    def reference(self, id_number: str) -> str: ...
    def account(self, reference: str, records: bool = True) -> Account | None: ...
    def registered(self, caller: str) -> Registered | None:
        """The account the calling number is registered on; None for an unknown or empty number, and for a number
        registered on several accounts, so that nothing is said about any of them."""
        ...

    def is_locked(self, reference: str) -> bool: ...
    def attempt_password(self, reference: str, keys: str, caller: str, now: dt.datetime,
                         limit: Limit, caller_limit: Limit | None) -> Attempt: ...
    def queue_load(self, queue: str, now: dt.datetime) -> QueueLoad: ...
    def request_callback(self, number: str, line: str, topic: str, now: dt.datetime,
                         due: dt.datetime | None) -> None:
        """Keep a caller's request to be called back (by the next opening `due`, or as soon as an agent is free)."""
        ...
