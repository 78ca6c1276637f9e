"""A caller from the mobile registered on an account, through signed webhooks: asked once a call whether they are its
insured person, then only for the password; the database keeps a keyed hash of each mobile, never the number. On
SQLite and on PostgreSQL+Redis."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
import redis as redis_library
from sqlalchemy import MetaData, create_engine, select

from ivr.content.accounts import load_accounts
from ivr.content.version import load_hotline
from ivr.storage.passwords import Passwords
from ivr.storage.schema import accounts
from ivr.tools.phone import Phone
from tests.conftest import TOKEN
from tests.services import BACKENDS, on_each_backend, postgres_url, redis_url, redis_values  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = load_hotline(ROOT / "prompts", ROOT / "data").script
KEY = "registered-test-password-key-0123456789abcdef"
DEMO = load_accounts(ROOT / "data" / "accounts.yaml", Passwords(KEY))
MOBILES = sorted({account.mobile for account in DEMO if account.mobile})
RETIREE_MOBILE = "+8613900000065"
RETIREE = next(account for account in DEMO if account.mobile == RETIREE_MOBILE)
SHARED_MOBILE = "+8613900000200"
ASK_ID = SCRIPT.nodes["ask_id"].prompt
ASK_PASSWORD = SCRIPT.nodes["ask_password"].prompt
CONFIRM = SCRIPT.nodes[SCRIPT.settings.confirm].prompt.format(id_tail=SCRIPT.reader.id_tail(RETIREE.id_number))
PASSWORDS = {"110101196106080024": "111111"}


def wrong(remaining: int) -> str:
    return SCRIPT.nodes["ask_password"].errors["wrong"].format(remaining=SCRIPT.reader.count(remaining))


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path, clock):
    yield from on_each_backend(request, tmp_path, {"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "CLOCK": clock,
                                                   "IVR_PASSWORD_KEY": KEY})


def asks_balance(app, from_: str) -> Phone:
    phone = Phone(app.test_client(), TOKEN, from_=from_)
    phone.dial()
    phone.press("1")
    return phone


def test_a_registered_caller_hears_the_balance_without_keying_the_id(app):
    phone = asks_balance(app, RETIREE_MOBILE)
    assert phone.heard == [CONFIRM]
    assert phone.press("1") == [ASK_PASSWORD]
    heard = phone.press(PASSWORDS[RETIREE.id_number] + "#")
    assert SCRIPT.reader.amount(RETIREE.balance) in heard[0]
    assert SCRIPT.reader.amount(RETIREE.balance) in "".join(heard)
    assert ASK_ID not in phone.transcript


def test_no_leads_to_the_id_prompt_and_the_question_is_not_asked_again(app):
    phone = asks_balance(app, RETIREE_MOBILE)
    assert phone.press("2") == [ASK_ID]
    # Back at the main menu by way of a busy agent's menu, the caller asks for the balance again in the same call.
    phone.press("0")
    phone.transfer_ends("busy")
    phone.press(SCRIPT.settings.keys.main)
    assert phone.press("1") == [ASK_ID]
    assert phone.transcript.count(CONFIRM) == 1
    # The ID keyed after "no" works as for any caller.
    assert phone.press(RETIREE.id_number + "#") == [ASK_PASSWORD]
    assert phone.press(PASSWORDS[RETIREE.id_number] + "#")[0].startswith(SCRIPT.answers.balance.text.split("{")[0])


@pytest.mark.parametrize("from_", ["+8613900000000", SHARED_MOBILE, "", "anonymous"])
def test_an_unregistered_or_shared_number_is_asked_for_the_id(app, from_):
    assert asks_balance(app, from_).heard == [ASK_ID]


def test_a_wrong_password_after_yes_counts_against_that_ids_lockout(app):
    phone = asks_balance(app, RETIREE_MOBILE)
    phone.press("1")
    assert phone.press("000000#") == [wrong(2)]
    # Another call, keying the ID from another number, has the attempts that are left, and no more.
    other = asks_balance(app, "+8613900000000")
    assert other.press(RETIREE.id_number + "#") == [ASK_PASSWORD]
    assert other.press("000001#") == [wrong(1)]
    assert SCRIPT.messages.locked in other.press("000002#")


def test_a_locked_account_hears_the_lock_after_yes(app):
    other = asks_balance(app, "+8613900000000")
    other.press(RETIREE.id_number + "#")
    for n in range(3):
        other.press(f"00000{n}#")
    phone = asks_balance(app, RETIREE_MOBILE)
    # The question is the same whether the account is locked or not: the lock is told only to a caller who says yes.
    assert phone.heard == [CONFIRM]
    heard = phone.press("1")
    assert SCRIPT.messages.locked in heard and ASK_PASSWORD not in heard


def stored_text(app) -> str:
    """Everything the database and Redis hold, as text: every row of every table, every key and value."""
    store = app.extensions["ivr.store"]
    engine = create_engine(store.sql.url)
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as conn:
        # Published versions hold the operators' own files (prompts/settings.yaml names a demo mobile for `ivr effort`),
        # which are what they wrote, not anything a call stored.
        stored = [str(value) for table in tables.sorted_tables if table.name != "content_versions"
                  for row in conn.execute(select(table)) for value in row]
    engine.dispose()
    if store.redis is not None:
        client = redis_library.Redis.from_url(app.config["REDIS_URL"], decode_responses=True)
        keys = list(client.scan_iter(match=app.config["IVR_REDIS_PREFIX"] + "*"))
        stored += keys + [value for key in keys for value in redis_values(client, key)]
        client.close()
    if store.sql.url.get_backend_name() == "sqlite":
        # The files themselves, the write-ahead log included, in case a value survives outside any live row.
        stored.append(_sqlite_bytes_without_published_versions(Path(store.sql.url.database)))
    return "\n".join(stored)


def _sqlite_bytes_without_published_versions(database: Path) -> str:
    """Every byte of the database and its write-ahead log, less the operators' published files (see stored_text)."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.sqlite"
        source, target = sqlite3.connect(database), sqlite3.connect(copy)
        # The backup takes the write-ahead log's pages in; VACUUM leaves no page of the dropped table behind.
        source.backup(target)
        source.close()
        target.execute("DROP TABLE IF EXISTS content_versions")
        target.commit()
        target.execute("VACUUM")
        target.close()
        return copy.read_bytes().decode("latin-1")


def test_the_database_holds_keyed_hashes_of_the_mobiles_never_the_numbers(app):
    for from_ in (RETIREE_MOBILE, SHARED_MOBILE):
        asks_balance(app, from_).press("1")
    text = stored_text(app)
    assert "110101196106080024" in text, "the dump reaches the accounts table"
    # Neither the number in E.164 form nor its national part (13900000065) is anywhere.
    assert not [mobile for mobile in MOBILES if mobile[3:] in text]
    passwords = Passwords(KEY)
    with app.extensions["ivr.store"].sql.connect() as conn:
        hashes = dict(conn.execute(select(accounts.c.id_number, accounts.c.mobile_hash)).all())
    assert hashes == {account.id_number: account.mobile and passwords.reference("mobile", account.mobile)
                      for account in DEMO}


def test_the_simulator_takes_the_caller_id_as_from(app):
    """The simulator page's caller-ID field is the From of its calls: a registered one is asked the question."""
    from tests.integration.test_simulator_api import Browser

    browser = Browser(app.test_client())
    answer = browser.post("/simulator/call", To="+861012393", From=RETIREE_MOBILE).json
    browser.sid = answer["call_sid"]
    gather = answer["twiml"]
    assert CONFIRM not in gather
    action = gather.split('<Gather action="')[1].split('"')[0].replace("&amp;", "&")
    stepped = browser.post(action, CallSid=browser.sid, To="+861012393", From=RETIREE_MOBILE, Digits="1").json
    assert CONFIRM in stepped["twiml"]
