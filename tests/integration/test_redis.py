"""Redis: the call state the processes share expires by itself and never names an ID number (wrong passwords and
locks are in the database: see test_lockout)."""

from __future__ import annotations

import pytest

from ivr.storage.call_state import CALL_STATE_TTL
from ivr.storage.store import Store
from tests.integration.test_store import DEMO, NOW, PASSWORDS, RETIREE
from tests.services import redis_keys, redis_url  # noqa: F401  (fixture)


@pytest.fixture
def make_store(tmp_path, redis_url):
    """make_store(name, prefix_suffix) opens a store on its own SQLite file and the test's Redis prefix."""
    url, prefix = redis_url
    made = []

    def make(name: str = "ivr.sqlite", suffix: str = "") -> Store:
        store = Store(f"sqlite:///{tmp_path / name}", url, prefix + suffix, PASSWORDS)
        store.create_schema()
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


def test_every_key_expires_and_none_names_an_id_number(make_store, redis_url):
    store = make_store()
    store.load_accounts(DEMO)
    store.save_call("CA0001", {"node": "main", "verified": store.reference(RETIREE)}, NOW)
    keys = redis_keys(*redis_url)
    assert len(keys) == 1
    for key, ttl in keys.items():
        assert RETIREE not in key
        assert 0 < ttl <= CALL_STATE_TTL.total_seconds(), key
    call_key = next(key for key in keys if key.endswith("CA0001"))
    assert keys[call_key] > CALL_STATE_TTL.total_seconds() - 60
    assert RETIREE not in str(store.load_call("CA0001"))
    store.end_call("CA0001")
    assert redis_keys(*redis_url) == {}


def test_processes_share_call_state_through_redis(make_store):
    # Two stores on separate databases: whatever they both see can only have come through Redis.
    first = make_store("one.sqlite")
    second = make_store("two.sqlite")
    first.save_call("CA0002", {"node": "balance", "seq": 3}, NOW)
    assert second.load_call("CA0002") == {"node": "balance", "seq": 3}


def test_another_prefix_sees_nothing(make_store):
    first = make_store()
    other = make_store("other.sqlite", "other:")
    first.save_call("CA0003", {"node": "main"}, NOW)
    assert other.load_call("CA0003") is None
