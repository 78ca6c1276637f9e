"""Service passwords are stored as hashes keyed with a secret kept outside the database."""

import os
import stat

import pytest
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from ivr import create_app
from ivr.storage.passwords import (
    SCHEME,
    BadPasswordKey,
    PasswordKeyError,
    Passwords,
    instance_key,
)
from ivr.storage.schema import accounts
from ivr.tools.phone import Phone
from tests.conftest import TOKEN
from tests.prompts import accepted

KEY = "a-test-password-key-that-is-long-enough"
RETIREE = "110101196106080024"


def test_a_hash_matches_its_pin_and_nothing_else():
    passwords = Passwords(KEY)
    stored = passwords.hash(RETIREE, "111111")
    assert stored.startswith(SCHEME + "$")
    assert "111111" not in stored
    assert passwords.matches(stored, RETIREE, "111111")
    assert not passwords.matches(stored, RETIREE, "111112")
    assert not passwords.matches(stored, RETIREE, "")


def test_equal_pins_hash_differently_and_a_hash_does_not_open_another_account():
    passwords = Passwords(KEY)
    first, second = passwords.hash(RETIREE, "111111"), passwords.hash(RETIREE, "111111")
    assert first != second, "each hash has its own salt"
    assert not passwords.matches(first, "110108195404120012", "111111")


def test_a_hash_made_under_another_key_is_recognised_not_counted_as_wrong():
    stored = Passwords(KEY).hash(RETIREE, "111111")
    with pytest.raises(PasswordKeyError):
        Passwords(KEY + "-changed").matches(stored, RETIREE, "111111")


def test_a_tampered_hash_never_matches():
    passwords = Passwords(KEY)
    stored = passwords.hash(RETIREE, "111111")
    assert not passwords.matches(stored + "$extra", RETIREE, "111111")
    assert not passwords.matches(stored[:-1] + ("0" if stored[-1] != "0" else "1"), RETIREE, "111111")


def test_hashes_imported_in_werkzeug_formats_still_work():
    passwords = Passwords(KEY)
    stored = generate_password_hash("111111", method="pbkdf2:sha256:1000")
    assert passwords.matches(stored, RETIREE, "111111")
    assert not passwords.matches(stored, RETIREE, "222222")


def test_a_short_key_is_refused():
    with pytest.raises(BadPasswordKey):
        Passwords("too-short")


def test_without_a_setting_the_key_is_made_once_and_kept_private(tmp_path):
    key = instance_key("", tmp_path)
    path = tmp_path / "password.key"
    assert len(key) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert instance_key("", tmp_path) == key, "a second process reads the same key"
    assert instance_key(KEY, tmp_path) == KEY, "a configured key wins"


def test_the_database_holds_only_keyed_hashes_of_the_demo_passwords(app):
    with app.extensions["ivr.store"].sql.connect() as conn:
        hashes = conn.execute(select(accounts.c.password_hash)).scalars().all()
    assert len(hashes) == 8
    assert all(h.startswith(SCHEME + "$") for h in hashes)
    assert not any(pin in h for h in hashes for pin in ("111111", "222222", "123456"))


def test_a_changed_key_offers_the_agent_and_locks_no_one(tmp_path, clock, caplog):
    """A server started with another key must not turn every caller's right password into a lockout."""
    settings = {"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.sqlite'}",
                "CLOCK": clock}
    create_app({**settings, "IVR_PASSWORD_KEY": KEY})
    changed = create_app({**settings, "IVR_PASSWORD_KEY": KEY + "-changed"})
    outage = changed.extensions["ivr.versions"]().script.messages.outage
    for _ in range(3):
        call = Phone(changed.test_client(), TOKEN)
        call.dial()
        call.press("1")
        call.press(RETIREE + "#")
        assert call.press("111111#") == [outage]
    assert not changed.extensions["ivr.store"].is_locked(RETIREE)
    assert "IVR_PASSWORD_KEY" in caplog.text


def stored_hash(app, id_number):
    with app.extensions["ivr.store"].sql.connect() as conn:
        return conn.execute(select(accounts.c.password_hash).where(accounts.c.id_number == id_number)).scalar_one()


def log_in(caller, pin):
    call = caller()
    call.dial()
    call.press("1")
    call.press(RETIREE + "#")
    return call.press(pin + "#")


def test_a_hash_from_before_keyed_hashing_is_replaced_at_the_first_right_password(app, caller):
    legacy = generate_password_hash("111111", method="pbkdf2:sha256:1000")
    with app.extensions["ivr.store"].sql.begin() as conn:
        conn.execute(update(accounts).where(accounts.c.id_number == RETIREE).values(password_hash=legacy))
    assert not accepted(log_in(caller, "222222"))
    assert stored_hash(app, RETIREE) == legacy, "a wrong password changes nothing"
    assert accepted(log_in(caller, "111111"))
    assert stored_hash(app, RETIREE).startswith(SCHEME + "$")
    assert accepted(log_in(caller, "111111"))
