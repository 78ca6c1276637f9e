"""The identity check: ID number checks before any lookup, the service password, and the lockout."""

import pytest

ASK_ID = "请输入您的十八位身份证号码，以井号键结束。最后一位是X的，请按星号键代替。"
ASK_PASSWORD = "请输入六位服务密码，以井号键结束。"
LOCKED = ("为保护您的信息安全，这个身份证号码因服务密码连续输错，已被锁定，暂时不能通过电话查询。"
          "请本人携带身份证和社保卡，到就近的医保经办机构窗口办理解锁。")
MAIN_SHORT = "余额请按1，缴费记录请按2，返钱标准请按3，人工服务请按0。"
BEIJING_72 = "110108195404120012"


def at_id_prompt(caller):
    c = caller()
    c.dial()
    assert c.press("1") == [ASK_ID]
    return c


@pytest.mark.parametrize("keys, heard", [
    ("11010819540412001", "您输入了十七位，身份证号码应该是十八位。请重新输入，以井号键结束。"),
    ("1101081954041200123", "您输入了十九位，身份证号码应该是十八位。请重新输入，以井号键结束。"),
    ("110108195402300012", "号码中的出生日期不正确，请核对后重新输入，以井号键结束。"),
    ("110108203004120012", "号码中的出生日期不正确，请核对后重新输入，以井号键结束。"),
    ("110108195404120013", "号码的最后一位校验码对不上，可能有一位按错了。请核对后重新输入，以井号键结束。"),
    ("11010819*404120012", "号码中有不能识别的按键。请重新输入十八位身份证号码，X请按星号键，以井号键结束。"),
])
def test_the_caller_is_told_what_is_wrong_with_the_id(caller, keys, heard):
    c = at_id_prompt(caller)
    assert c.press(keys + "#") == [heard]
    # The caller may key it again at once.
    assert c.gather["finishOnKey"] == "#"
    assert c.press(BEIJING_72 + "#") == [ASK_PASSWORD]


def test_the_keys_counted_are_said_as_a_count(app, caller):
    c = at_id_prompt(caller)
    script = app.extensions["ivr.versions"]().script
    length = script.nodes["ask_id"].errors["length"]
    # Two keys are liang wei, as a count before a measure word is said, not er wei.
    assert c.press("12#") == [length.format(count=script.reader.lexicon["two"])]
    assert c.press("1#") == [length.format(count=script.reader.integer(1))]


def test_an_unknown_birthplace_code_is_told_apart_from_a_mistyped_check_character(app, caller):
    c = at_id_prompt(caller)
    # Right check character, but no county was ever given the code 999999.
    birthplace = app.extensions["ivr.versions"]().script.nodes["ask_id"].errors["birthplace"]
    assert c.press("999999198001010011#") == [birthplace]
    assert c.press(BEIJING_72 + "#") == [ASK_PASSWORD]


def test_a_trailing_x_is_keyed_as_star(caller):
    c = at_id_prompt(caller)
    assert c.press("11010519491231002*#") == [ASK_PASSWORD]
    assert c.press("666666#")[0] == "验证通过。"


def test_only_the_pound_key_counts_as_no_input(caller):
    c = at_id_prompt(caller)
    assert c.press("#") == ["对不起，没有收到您的按键。", ASK_ID]


def test_three_wrong_ids_end_in_the_agent_offer(caller):
    c = at_id_prompt(caller)
    c.press("1#")
    c.press("12#")
    assert c.press("123#") == ["对不起，我们没能收到有效的按键。", "正在为您转接人工服务，请稍候。"]


def test_the_password_must_be_six_digits(caller):
    c = at_id_prompt(caller)
    c.press(BEIJING_72 + "#")
    assert c.press("2222#") == ["服务密码是六位数字。请重新输入，以井号键结束。"]
    assert c.press("222222#")[0] == "验证通过。"


def test_a_verified_caller_is_not_asked_again_in_the_same_call(caller):
    c = at_id_prompt(caller)
    c.press(BEIJING_72 + "#")
    c.press("222222#")
    c.press("9")
    assert c.press("2")[0] == "您累计缴费三十五年六个月。"
    c.press("9")
    assert c.press("1")[0].startswith("截至二零二六年十一月二十日")


def test_a_new_call_asks_again(caller):
    c = at_id_prompt(caller)
    c.press(BEIJING_72 + "#")
    c.press("222222#")
    assert at_id_prompt(caller).heard == [ASK_ID]


def test_wrong_passwords_count_down_then_lock(caller):
    c = at_id_prompt(caller)
    c.press(BEIJING_72 + "#")
    assert c.press("000000#") == ["密码不正确，您还可以再试两次。请重新输入，以井号键结束。"]
    assert c.press("000001#") == ["密码不正确，您还可以再试一次。请重新输入，以井号键结束。"]
    assert c.press("000002#") == [LOCKED, MAIN_SHORT]
    # Even the right password does not open a locked ID.
    c.press("1")
    assert c.press(BEIJING_72 + "#") == [LOCKED, MAIN_SHORT]


def test_the_lock_holds_in_every_later_call_and_is_stored(app, caller, clock):
    first = at_id_prompt(caller)
    first.press(BEIJING_72 + "#")
    first.press("000000#")
    first.press("000001#")
    # The caller hangs up and calls again later the same day: one more wrong password locks the ID.
    clock.advance(hours=3)
    second = at_id_prompt(caller)
    second.press(BEIJING_72 + "#")
    assert second.press("000002#") == [LOCKED, MAIN_SHORT]
    assert app.extensions["ivr.store"].is_locked(BEIJING_72)
    clock.advance(days=3)
    third = at_id_prompt(caller)
    assert third.press(BEIJING_72 + "#") == [LOCKED, MAIN_SHORT]


def test_failures_older_than_24_hours_do_not_count(caller, clock):
    first = at_id_prompt(caller)
    first.press(BEIJING_72 + "#")
    first.press("000000#")
    first.press("000001#")
    clock.advance(hours=25)
    second = at_id_prompt(caller)
    second.press(BEIJING_72 + "#")
    assert second.press("000002#") == ["密码不正确，您还可以再试两次。请重新输入，以井号键结束。"]


def test_a_right_password_clears_earlier_failures(caller):
    first = at_id_prompt(caller)
    first.press(BEIJING_72 + "#")
    first.press("000000#")
    first.press("000001#")
    first.press("222222#")
    second = at_id_prompt(caller)
    second.press(BEIJING_72 + "#")
    assert second.press("000002#") == ["密码不正确，您还可以再试两次。请重新输入，以井号键结束。"]


def test_the_locked_demo_id_is_refused_before_the_password(caller):
    c = at_id_prompt(caller)
    assert c.press("370102195802140051#") == [LOCKED, MAIN_SHORT]


def test_unlock_command_lifts_the_lock(app, caller, monkeypatch):
    from click.testing import CliRunner

    from ivr.cli import main

    c = at_id_prompt(caller)
    assert c.press("370102195802140051#") == [LOCKED, MAIN_SHORT]
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    result = CliRunner().invoke(main, ["unlock", "370102195802140051"])
    assert result.exit_code == 0
    # The command masks the ID in what it prints.
    assert result.output == "unlocked 370102********0051\n"
    c = at_id_prompt(caller)
    assert c.press("370102195802140051#") == [ASK_PASSWORD]
    assert c.press("777777#")[0] == "验证通过。"


def test_the_wrong_key_count_starts_afresh_at_each_node(app, caller):
    """Two wrong ID numbers, then a right one, then a mistyped password: the caller is asked again, not transferred.

    A mistyped password (too short) is a wrong key at the password node; a wrong six-digit one is bounded by the
    lockout instead and does not count as a wrong key at all.
    """
    script = app.extensions["ivr.versions"]().script
    ask_id, ask_password = script.nodes["ask_id"], script.nodes["ask_password"]
    c = at_id_prompt(caller)
    assert c.press("110108195404120013#") == [ask_id.errors["checksum"]]
    assert c.press("110108195404120013#") == [ask_id.errors["checksum"]]
    assert c.press(BEIJING_72 + "#") == [ASK_PASSWORD]
    heard = c.press("12#")
    assert heard == [ask_password.errors["format"]] and c.dialled is None
    assert c.gather is not None and c.gather["finishOnKey"] == "#"
    # The next right password is still checked: the count of wrong passwords, not of wrong keys, decides the lock.
    assert c.press("222222#")[0] == script.messages.verified
