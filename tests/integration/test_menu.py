"""The main menu, global keys, and VoiceXML-style escalation on silence and wrong keys."""

import xml.etree.ElementTree as ET

import pytest

from tests.prompts import AFTER, ASK_ID, BEIJING_HOURS, MAIN, MESSAGES, next_opening, rebate_where, silence

FULL_MENU, SHORT_MENU = MAIN.prompt, MAIN.short


def test_welcome_reads_the_full_menu_once(caller):
    c = caller()
    assert c.dial() == [MAIN.greeting, FULL_MENU]


def test_prompts_are_inside_the_gather_so_keys_interrupt_them(caller):
    # Shenzhen's line takes keys only (data/lines.yaml speech); lines that listen are tested in test_speech.
    c = caller(to="+8675512393")
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
    assert c.press("7") == [MAIN.nomatch[0], SHORT_MENU]
    assert c.press("#") == [MAIN.nomatch[1], FULL_MENU]
    # The third wrong key hands the caller to a person (Monday 10:00 is inside Beijing's agent hours).
    assert c.press("8") == [MESSAGES.too_many_nomatch, MESSAGES.agent_connecting]
    assert c.dialled == "+861065550100"


def test_wrong_keys_out_of_hours_end_with_the_hours_the_next_opening_and_a_goodbye(caller, clock):
    """No dead end: the caller who cannot be handed to an agent hears when to call back, not "no key received"."""
    clock.advance(hours=10)  # Monday 20:00
    c = caller()
    c.dial()
    c.press("7")
    c.press("7")
    assert c.press("7") == [
        MESSAGES.too_many_nomatch,
        BEIJING_HOURS,
        next_opening("tomorrow", 8),
        MESSAGES.goodbye,
    ]
    assert c.hung_up


def test_silence_escalates_and_ends_politely(caller):
    c = caller()
    c.dial()
    assert c.silence() == [MAIN.noinput[0], SHORT_MENU]
    assert c.silence() == [MAIN.noinput[1], FULL_MENU]
    assert c.silence() == [MESSAGES.too_many_noinput, MESSAGES.goodbye]
    assert c.hung_up


def test_silence_and_wrong_keys_are_counted_separately(caller):
    c = caller()
    c.dial()
    c.silence()
    c.silence()
    assert c.press("7") == [MAIN.nomatch[0], SHORT_MENU]
    c.press("7")
    # Two silences and two wrong keys: still no third of either, so the caller is still in the menu.
    assert not c.hung_up and c.dialled is None
    assert c.press("1") == [ASK_ID]


def test_a_valid_key_resets_the_counters(caller):
    c = caller()
    c.dial()
    c.silence()
    c.silence()
    c.press("*")
    assert c.silence() == [MAIN.noinput[0], SHORT_MENU]


def test_the_silence_path_after_an_answer_rereads_the_keys(caller):
    c = caller()
    c.dial()
    c.press("3")
    c.press("1")
    c.press("65#")
    assert c.silence() == [silence("rebate"), AFTER["rebate"]]


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
    assert c.press("3") == [rebate_where(region)]


def test_every_gather_has_a_fallback_and_no_response_is_silent(caller):
    """Walk a long call and check the TwiML invariants at every step."""
    c = caller()
    steps = [c.dial, lambda: c.press("1"), lambda: c.press("110108195404120012#"), lambda: c.press("222222#"),
             lambda: c.press("9"), lambda: c.press("2"), lambda: c.press("6"), lambda: c.press("4"),
             lambda: c.press("9"), lambda: c.press("3"), c.silence, lambda: c.press("9")]
    for step in steps:
        heard = step()
        assert heard and all(text.strip() for text in heard)
        root = ET.fromstring(c.last_xml)
        verbs = [v.tag for v in root]
        assert verbs[-1] in ("Redirect", "Dial", "Hangup")
        if "Gather" in verbs:
            assert verbs.index("Gather") == len(verbs) - 2 and verbs[-1] == "Redirect"


def test_nine_in_the_main_menu_is_a_wrong_key_that_escalates_like_any_other(caller):
    """9 goes back to the main menu everywhere else; in the main menu itself it is no option, so it counts."""
    wrong = MAIN.nomatch or MESSAGES.nomatch
    c = caller()
    c.dial()
    assert c.press("9") == [wrong[0], MAIN.short]
    assert c.press("9") == [wrong[1], MAIN.prompt]
    # The third wrong key in agent hours hands the caller to a person, as any other wrong key would.
    assert c.press("9")[:2] == [MESSAGES.too_many_nomatch, MESSAGES.agent_connecting]
    assert c.dialled is not None


def test_after_every_answer_star_repeats_it_and_nine_goes_home(caller):
    """One key map after every answer: * says the answer again (1 once did after some), 9 is the main menu."""
    c = caller()
    c.dial()
    c.press("1")
    c.press("110108195404120012")
    c.press("222222")
    # The balance, the years paid and the caller's own rebate rule (by age), each with a fact it must hold.
    for key, fact in (("1", "一千零四元零六分"), ("2", "三十五年六个月"), ("3", "七十二岁")):
        c.press("9")
        answer = c.press(key)
        assert fact in "".join(answer)
        assert c.press("*") == answer
    assert c.press("9") == [SHORT_MENU]
