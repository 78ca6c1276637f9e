"""The interfaces the core calls and the outer layers implement (cosmicpython's ports)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from ivr.core.accounts import Account


class Backend(Protocol):
    """What the engine needs from storage; ivr.store.Store provides it."""

    def account(self, id_number: str, records: bool = True) -> Account | None: ...
    def password_matches(self, account: Account, keys: str) -> bool: ...
    def is_locked(self, id_number: str) -> bool: ...
    def record_failure(self, id_number: str, now: dt.datetime, attempts: int, window: dt.timedelta) -> int: ...
    def clear_failures(self, id_number: str) -> None: ...
