"""The identity check: ID number checks before any lookup, the service password, the lockout, and the entries' help."""

import pytest

from tests.prompts import (
    accepted,
    ASK_ID,
    ASK_PASSWORD,
    BALANCE,
    ENTRY_HELP,
    MAIN,
    MESSAGES,
    NODES,
    PAYMENTS,
    READ,
    password_help,
    silence,
    wrong_password,
)

ERRORS = NODES["ask_id"].errors
# Locked in agent hours (Monday 10:00): how to unlock, the way to an agent, and the main menu.
LOCKED = [MESSAGES.locked, MESSAGES.agent_offer, MAIN.short]
BEIJING_72 = "110108195404120012"


def at_id_prompt(caller, **line):
    c = caller(**line)
    c.dial()
    assert c.press("1") == [ASK_ID]
    return c


@pytest.mark.parametrize("keys, error, count", [
    ("11010819540412001", "length", "十七"),
    ("110108195402300012", "birth_date", None),
    ("110108203004120012", "birth_date", None),
    ("110108195404120013", "checksum", None),
    ("11010819*404120012", "characters", None),
])
def test_the_caller_is_told_what_is_wrong_with_the_id(caller, keys, error, count):
    c = at_id_prompt(caller)
    assert c.press(keys + "#") == [ERRORS[error].format(count=count)]
    # The caller may key it again at once.
    assert c.gather["finishOnKey"] == "#"
    assert c.press(BEIJING_72 + "#") == [ASK_PASSWORD]


def test_the_id_and_the_password_end_by_themselves_at_their_last_key(caller):
    c = at_id_prompt(caller)
    assert c.gather["numDigits"] == "18"
    # No # after the eighteenth key: a nineteenth would be lost, as on any phone whose Gather has ended.
    assert c.press(BEIJING_72) == [ASK_PASSWORD]
    assert c.gather["numDigits"] == "6"
    assert accepted(c.press("222222"))


def test_the_keys_counted_are_said_as_a_count(caller):
    c = at_id_prompt(caller)
    # Two keys are liang wei, as a count before a measure word is said, not er wei.
    assert c.press("12#") == [ERRORS["length"].format(count="两")]
    assert c.press("1#") == [ERRORS["length"].format(count=READ.integer(1))]


def test_an_unknown_birthplace_code_is_told_apart_from_a_mistyped_check_character(caller):
    c = at_id_prompt(caller)
    # Right check character, but no county was ever given the code 999999.
    assert c.press("999999198001010011#") == [ERRORS["birthplace"]]
    assert c.press(BEIJING_72 + "#") == [ASK_PASSWORD]


def test_a_trailing_x_is_keyed_as_star(caller):
    c = at_id_prompt(caller)
    assert c.press("11010519491231002*#") == [ASK_PASSWORD]
    assert accepted(c.press("666666#"))


def test_only_the_pound_key_counts_as_no_input(caller):
    c = at_id_prompt(caller)
    assert c.press("#") == [silence("ask_id"), ASK_ID]


def test_three_wrong_ids_end_in_the_agent_offer(caller):
    c = at_id_prompt(caller)
    c.press("1#")
    c.press("12#")
    assert c.press("123#") == [MESSAGES.too_many_nomatch, MESSAGES.agent_connecting]


def test_the_password_must_be_six_digits(caller):
    c = at_id_prompt(caller)
    c.press(BEIJING_72 + "#")
    assert c.press("2222#") == [NODES["ask_password"].errors["format"]]
    assert accepted(c.press("222222#"))


def test_a_verified_caller_is_not_asked_again_in_the_same_call(caller):
    c = at_id_prompt(caller)
    c.press(BEIJING_72 + "#")
    c.press("222222#")
    c.press("9")
    assert c.press("2")[0] == PAYMENTS.total.format(years="三十五", months="六")
    c.press("9")
    assert c.press("1")[0] == BALANCE.text.format(balance="一千零四元零六分", as_of="二零二六年十一月二十日")


def test_a_new_call_asks_again(caller):
    c = at_id_prompt(caller)
    c.press(BEIJING_72 + "#")
    c.press("222222#")
    assert at_id_prompt(caller).heard == [ASK_ID]


def test_wrong_passwords_count_down_then_lock(caller):
    c = at_id_prompt(caller)
    c.press(BEIJING_72 + "#")
    assert c.press("000000#") == [wrong_password(2)]
    assert c.press("000001#") == [wrong_password(1)]
    assert c.press("000002#") == LOCKED
    # Even the right password does not open a locked ID.
    c.press("1")
    assert c.press(BEIJING_72 + "#") == LOCKED


def test_the_lock_holds_in_every_later_call_and_is_stored(app, caller, clock):
    first = at_id_prompt(caller)
    first.press(BEIJING_72 + "#")
    first.press("000000#")
    first.press("000001#")
    # The caller hangs up and calls again later the same day (15:00, agents answer): one more wrong password locks it.
    clock.advance(hours=5)
    second = at_id_prompt(caller)
    second.press(BEIJING_72 + "#")
    assert second.press("000002#") == LOCKED
    assert app.extensions["ivr.store"].is_locked(BEIJING_72)
    clock.advance(days=3)
    third = at_id_prompt(caller)
    assert third.press(BEIJING_72 + "#") == LOCKED


def test_failures_older_than_24_hours_do_not_count(caller, clock):
    first = at_id_prompt(caller)
    first.press(BEIJING_72 + "#")
    first.press("000000#")
    first.press("000001#")
    clock.advance(hours=25)
    second = at_id_prompt(caller)
    second.press(BEIJING_72 + "#")
    assert second.press("000002#") == [wrong_password(2)]


def test_a_right_password_clears_earlier_failures(caller):
    first = at_id_prompt(caller)
    first.press(BEIJING_72 + "#")
    first.press("000000#")
    first.press("000001#")
    first.press("222222#")
    second = at_id_prompt(caller)
    second.press(BEIJING_72 + "#")
    assert second.press("000002#") == [wrong_password(2)]


def test_the_locked_demo_id_is_refused_before_the_password(caller):
    c = at_id_prompt(caller)
    assert c.press("370102195802140051#") == LOCKED


def test_unlock_command_lifts_the_lock(app, caller, monkeypatch):
    from click.testing import CliRunner

    from ivr.cli import main

    c = at_id_prompt(caller)
    assert c.press("370102195802140051#") == LOCKED
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    result = CliRunner().invoke(main, ["unlock", "370102195802140051"])
    assert result.exit_code == 0
    # The command masks the ID in what it prints.
    assert result.output == "unlocked 370102********0051\n"
    c = at_id_prompt(caller)
    assert c.press("370102195802140051#") == [ASK_PASSWORD]
    assert accepted(c.press("777777#"))


def test_the_wrong_key_count_starts_afresh_at_each_node(caller):
    """Two wrong ID numbers, then a right one, then a mistyped password: the caller is asked again, not transferred.

    A mistyped password (too short) is a wrong key at the password node; a wrong six-digit one is bounded by the
    lockout instead and does not count as a wrong key at all.
    """
    ask_id, ask_password = NODES["ask_id"], NODES["ask_password"]
    c = at_id_prompt(caller)
    assert c.press("110108195404120013#") == [ask_id.errors["checksum"]]
    assert c.press("110108195404120013#") == [ask_id.errors["checksum"]]
    assert c.press(BEIJING_72 + "#") == [ASK_PASSWORD]
    heard = c.press("12#")
    assert heard == [ask_password.errors["format"]] and c.dialled is None
    assert c.gather is not None and c.gather["finishOnKey"] == "#"
    # The next right password is still checked: the count of wrong passwords, not of wrong keys, decides the lock.
    assert accepted(c.press("222222#"))


def test_a_lock_outside_agent_hours_offers_no_agent(caller, clock):
    clock.advance(hours=10)  # Monday 20:00
    c = at_id_prompt(caller)
    assert c.press("370102195802140051#") == [MESSAGES.locked, MAIN.short]


# The entries' help: * keyed alone is never part of an ID number or a password, so it is their way out.

def test_star_alone_at_the_id_prompt_opens_its_help_and_one_goes_back(caller):
    c = at_id_prompt(caller)
    assert c.press("*#") == [ENTRY_HELP]
    assert c.press("1") == [ASK_ID]
    assert c.press(BEIJING_72) == [ASK_PASSWORD]


@pytest.mark.parametrize("key, heard", [("9", [MAIN.short]), ("0", [MESSAGES.agent_connecting])])
def test_the_id_prompts_help_leads_home_or_to_an_agent(caller, key, heard):
    c = at_id_prompt(caller)
    c.press("*#")
    assert c.press(key) == heard


@pytest.mark.parametrize("to, line", [("+861012393", "beijing"), ("+862112393", "shanghai")])
def test_a_caller_who_forgot_the_password_is_told_how_to_reset_it(caller, to, line):
    c = at_id_prompt(caller, to=to)
    c.press(BEIJING_72)
    heard = c.press("*#")
    assert heard == [password_help(line)]
    # Back to the password: the ID number keyed is kept, so the right password still verifies.
    assert c.press("1") == [ASK_PASSWORD]
    assert accepted(c.press("222222"))


def test_the_password_help_reaches_an_agent(caller):
    c = at_id_prompt(caller)
    c.press(BEIJING_72)
    c.press("*#")
    assert c.press("0") == [MESSAGES.agent_connecting]
