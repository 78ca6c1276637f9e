"""The main menu, global keys, and VoiceXML-style escalation on silence and wrong keys."""

import xml.etree.ElementTree as ET

import pytest

from tests.integration.test_agent import BEIJING_HOURS

FULL_MENU = "查询医保个人账户余额请按1，查询缴费记录请按2，查询退休人员每月返钱标准请按3，人工服务请按0，重听请按星号键。"
SHORT_MENU = "余额请按1，缴费记录请按2，返钱标准请按3，人工服务请按0。"


def test_welcome_reads_the_full_menu_once(caller):
    c = caller()
    assert c.dial() == ["您好，欢迎致电医保服务热线。", FULL_MENU]


def test_prompts_are_inside_the_gather_so_keys_interrupt_them(caller):
    c = caller()
    c.dial()
    root = ET.fromstring(c.last_xml)
    gather, redirect = list(root)
    assert gather.tag == "Gather" and redirect.tag == "Redirect"
    assert [say.attrib for say in gather] == [{"language": "cmn-CN", "voice": "Polly.Zhiyu"}] * 2
    assert gather.attrib["numDigits"] == "1"
    assert gather.attrib["finishOnKey"] == ""
    assert gather.attrib["input"] == "dtmf"


def test_returning_to_the_main_menu_reads_the_short_version(caller):
    c = caller()
    c.dial()
    c.press("3")
    assert c.press("9") == [SHORT_MENU]


def test_star_repeats_the_full_menu_without_the_greeting(caller):
    c = caller()
    c.dial()
    assert c.press("*") == [FULL_MENU]


def test_wrong_keys_escalate_then_offer_the_agent(caller):
    c = caller()
    c.dial()
    assert c.press("7") == ["对不起，这个按键没有对应的服务。", SHORT_MENU]
    assert c.press("#") == ["对不起，按键还是不对。", FULL_MENU]
    # The third wrong key hands the caller to a person (Monday 10:00 is inside Beijing's agent hours).
    assert c.press("8") == ["对不起，我们没能收到有效的按键。", "正在为您转接人工服务，请稍候。"]
    assert c.dialled == "+861065550100"


def test_wrong_keys_out_of_hours_end_with_the_hours_and_a_goodbye(caller, clock):
    clock.advance(hours=10)  # Monday 20:00
    c = caller()
    c.dial()
    c.press("7")
    c.press("7")
    assert c.press("7") == [
        "对不起，我们没能收到有效的按键。",
        BEIJING_HOURS,
        "感谢您的来电，再见。",
    ]
    assert c.hung_up


def test_silence_escalates_and_ends_politely(caller):
    c = caller()
    c.dial()
    assert c.silence() == ["对不起，没有收到您的按键。", SHORT_MENU]
    assert c.silence() == ["对不起，还是没有收到您的按键。请在听到选项后按手机上的数字键。", FULL_MENU]
    assert c.silence() == ["对不起，我们没能收到有效的按键。", "感谢您的来电，再见。"]
    assert c.hung_up


def test_silence_and_wrong_keys_are_counted_separately(caller):
    c = caller()
    c.dial()
    c.silence()
    c.silence()
    assert c.press("7") == ["对不起，这个按键没有对应的服务。", SHORT_MENU]
    c.press("7")
    # Two silences and two wrong keys: still no third of either, so the caller is still in the menu.
    assert not c.hung_up and c.dialled is None
    assert c.press("1")[0].startswith("请输入您的十八位身份证号码")


def test_a_valid_key_resets_the_counters(caller):
    c = caller()
    c.dial()
    c.silence()
    c.silence()
    c.press("*")
    assert c.silence() == ["对不起，没有收到您的按键。", SHORT_MENU]


def test_the_silence_path_after_an_answer_rereads_the_keys(caller):
    c = caller()
    c.dial()
    c.press("3")
    c.press("1")
    c.press("65#")
    assert c.silence() == ["对不起，没有收到您的按键。", "重听请按1，查询其他地区请按2，返回主菜单请按9，人工服务请按0。"]


@pytest.mark.parametrize("to, region", [
    ("+861012393", "北京"),
    ("+862112393", "上海"),
    ("+8675512393", "深圳"),
    ("+862312393", "重庆"),
    ("+15005550006", "北京"),  # a number no line claims uses the default line
])
def test_the_called_line_sets_the_default_region(caller, to, region):
    c = caller(to=to)
    c.dial()
    assert c.press("3") == [f"查询{region}的标准请按1，查询其他地区请按2，返回主菜单请按9。"]


def test_every_gather_has_a_fallback_and_no_response_is_silent(caller):
    """Walk a long call and check the TwiML invariants at every step."""
    c = caller()
    steps = [c.dial, lambda: c.press("1"), lambda: c.press("110108195404120012#"), lambda: c.press("222222#"),
             lambda: c.press("9"), lambda: c.press("2"), lambda: c.press("1"), lambda: c.press("2"),
             lambda: c.press("9"), lambda: c.press("3"), c.silence, lambda: c.press("9")]
    for step in steps:
        heard = step()
        assert heard and all(text.strip() for text in heard)
        root = ET.fromstring(c.last_xml)
        verbs = [v.tag for v in root]
        assert verbs[-1] in ("Redirect", "Dial", "Hangup")
        if "Gather" in verbs:
            assert verbs.index("Gather") == len(verbs) - 2 and verbs[-1] == "Redirect"


def test_nine_in_the_main_menu_is_a_wrong_key_that_escalates_like_any_other(app, caller):
    """9 goes back to the main menu everywhere else; in the main menu itself it is no option, so it counts."""
    script = app.extensions["ivr.versions"]().script
    messages, main = script.messages, script.nodes[script.settings.start]
    wrong = main.nomatch or messages.nomatch
    c = caller()
    c.dial()
    assert c.press("9") == [wrong[0], main.short]
    assert c.press("9") == [wrong[1], main.prompt]
    # The third wrong key in agent hours hands the caller to a person, as any other wrong key would.
    assert c.press("9")[:2] == [messages.too_many_failures, messages.agent_connecting]
    assert c.dialled is not None
