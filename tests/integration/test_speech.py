"""Words instead of keys: signed webhook requests carrying Twilio's SpeechResult and Confidence drive every kind of node."""

import logging
import xml.etree.ElementTree as ET

import pytest

from ivr.tools.phone import NotListening
from tests.prompts import (
    ASK_AREA_CODE,
    ASK_ID,
    ASK_PASSWORD,
    MAIN,
    MESSAGES,
    NODES,
    READ,
    SETTINGS,
    accepted,
    password_help,
    ask_age,
)

RETIREE = "110101196106080024"
SHENZHEN_LINE = "+8675512393"
WORDS = SETTINGS.recognition


def gather_of(phone) -> dict:
    return next(element.attrib for element in ET.fromstring(phone.last_xml) if element.tag == "Gather")


def test_a_line_with_speech_on_listens_in_mandarin_with_the_menus_words_as_hints(caller):
    c = caller()
    c.dial()
    gather = gather_of(c)
    assert gather["input"] == "dtmf speech"
    assert gather["language"] == WORDS.language == "cmn-Hans-CN"
    assert gather["speechModel"] == WORDS.model
    assert gather["speechTimeout"] == str(WORDS.timeout) != "auto"
    hints = gather["hints"].split(",")
    assert set(MAIN.say["1"]) | set(WORDS.agent) <= set(hints)
    # The prompts keep their own language and voice.
    says = [say.attrib for say in ET.fromstring(c.last_xml).iter("Say")]
    assert says and all(attrib == {"language": SETTINGS.language, "voice": SETTINGS.voice} for attrib in says)


def test_a_line_with_speech_off_takes_keys_only_and_keys_work_either_way(caller):
    c = caller(to=SHENZHEN_LINE)
    c.dial()
    assert gather_of(c)["input"] == "dtmf" and "hints" not in gather_of(c)
    with pytest.raises(NotListening):
        c.say("余额")
    assert c.press("1") == [ASK_ID]
    spoken = caller()
    spoken.dial()
    assert spoken.press("1") == [ASK_ID]


@pytest.mark.parametrize("utterance", ["我想查一下我的余额。", "余额", "查余额，谢谢！", "账户里还有多少钱？"])
def test_words_choose_the_option_they_name(caller, utterance):
    c = caller()
    c.dial()
    assert c.say(utterance) == [ASK_ID]


def test_the_balance_by_words_then_keys_for_the_password(caller):
    c = caller()
    c.dial()
    c.say("嗯，余额")
    assert c.say("幺幺零幺零幺，一九六幺零六零八，零零两四") == [
        MESSAGES.id_readback.format(groups=MESSAGES.speech_separator.join(
            READ.digits(part) for part in ("110101", "19610608", "0024")))]
    assert c.say("对的") == [ASK_PASSWORD]
    # The password takes keys only, and its Gather says so to Twilio.
    assert gather_of(c)["input"] == "dtmf" and "hints" not in gather_of(c)
    assert accepted(c.press("111111"))


def test_a_read_back_id_number_is_confirmed_with_a_key_or_refused(caller):
    c = caller()
    c.dial()
    c.press("1")
    c.say("1101011961 0608 0024")
    assert c.press(WORDS.no_key) == [ASK_ID]
    c.say("幺幺零幺零幺幺九六幺零六零八零零二四")
    assert c.press(WORDS.yes_key) == [ASK_PASSWORD]


def test_an_id_number_said_wrong_is_told_as_if_keyed(caller):
    c = caller()
    c.dial()
    c.press("1")
    keyed = caller()
    keyed.dial()
    keyed.press("1")
    assert c.say("幺幺零幺零幺幺九六幺零六零八零零二五") == keyed.press("110101196106080025")


def test_the_password_prompt_refuses_words_and_keeps_nothing_of_them(app, caller, caplog):
    c = caller()
    c.dial()
    c.press("1")
    c.press(RETIREE)
    assert c.said == ASK_PASSWORD
    caplog.set_level(logging.DEBUG)
    secret = "幺幺幺幺幺幺"
    # Twilio would not send words to a keys-only Gather; a request that carries them anyway is refused.
    answer = c.post(c.gather["action"], c.params(SpeechResult=secret, Confidence="0.95"))
    c.follow(answer)
    assert c.heard == [MESSAGES.password_keys_only, ASK_PASSWORD]
    stored = app.extensions["ivr.store"].load_call(c.call_sid)
    assert secret not in str(stored) and "111111" not in str(stored)
    assert secret not in caplog.text
    # The keys still work afterwards.
    assert accepted(c.press("111111"))


def test_words_that_name_two_options_or_none_are_a_wrong_key_with_their_own_reprompt(caller):
    c = caller()
    c.dial()
    choices = MESSAGES.speech_separator.join(words[0] for words in MAIN.say.values())
    assert c.say("余额和缴费记录") == [MESSAGES.speech_nomatch.format(choices=choices)]
    assert c.say("今天天气怎么样") == [MESSAGES.speech_nomatch.format(choices=choices)]
    # The third wrong answer reaches the limit, as wrong keys do.
    keyed = caller()
    keyed.dial()
    keyed.press("8")
    keyed.press("8")
    assert c.say("我要买火车票") == keyed.press("8")


def test_below_the_confidence_threshold_the_hotline_asks_first(caller):
    low = WORDS.confidence / 2
    c = caller()
    c.dial()
    question = MESSAGES.speech_confirm.format(choice=MAIN.say["2"][0])
    assert c.say("缴费记录", confidence=low) == [question]
    assert c.say("不是") == [MAIN.prompt]
    assert c.say("缴费记录", confidence=low) == [question]
    assert c.say("是的") == [ASK_ID]
    d = caller()
    d.dial()
    d.say("缴费记录", confidence=low)
    assert d.press(WORDS.yes_key) == [ASK_ID]


def test_the_global_words_repeat_go_home_and_reach_an_agent(caller):
    c = caller()
    c.dial()
    assert c.say("没听清，再说一遍") == [MAIN.prompt]
    c.say("返钱标准")
    assert c.say("返回主菜单") == [MAIN.short]
    keyed = caller()
    keyed.dial()
    assert c.say("转人工") == keyed.press(SETTINGS.keys.agent)


def test_the_area_code_said_as_digits_or_as_a_city(caller):
    c = caller()
    c.dial()
    c.say("返钱标准")
    assert c.say("其他地区") == [ASK_AREA_CODE]
    digits = c.say("洞七五五")
    c2 = caller()
    c2.dial()
    c2.press("3")
    c2.press("2")
    assert digits == c2.press("0755#")
    c3 = caller()
    c3.dial()
    c3.press("3")
    c3.press("2")
    assert c3.say("深圳。") == digits


def test_the_age_said_as_a_number(caller):
    c = caller()
    c.dial()
    c.press("3")
    assert c.say("本地") == [ask_age("北京")]
    keyed = caller()
    keyed.dial()
    keyed.press("3")
    keyed.press("1")
    assert c.say("七十二岁") == keyed.press("72#")


def test_an_entrys_help_menu_takes_words_too(caller):
    c = caller()
    c.dial()
    c.press("1")
    c.press("*")
    assert c.said == NODES["entry_help"].prompt
    assert c.say("我要订外卖") == [MESSAGES.speech_nomatch.format(choices=NODES["entry_help"].say["1"][0])]
    assert c.say("重新输入") == [ASK_ID]


def test_the_password_help_menu_takes_words_and_the_password_stays_keyed(caller):
    c = caller()
    c.dial()
    c.say("余额")
    c.press(RETIREE)
    c.press("*")
    assert c.said == password_help()
    assert c.say("重新输入密码") == [ASK_PASSWORD]
    assert gather_of(c)["input"] == "dtmf"


def test_answers_take_words_for_their_own_options(caller):
    c = caller()
    c.dial()
    c.say("缴费记录")
    c.press("440305198503150016")
    first = c.press("123456")
    assert accepted(first, "payments")
    keyed = caller()
    keyed.dial()
    keyed.press("2")
    keyed.press("440305198503150016")
    keyed.press("123456")
    assert c.say("下一页") == keyed.press("6")
    assert c.say("上一页。") == keyed.press("4")
    rebate = caller()
    rebate.dial()
    rebate.say("返钱")
    rebate.say("本地")
    rebate.say("六十五岁")
    other = caller()
    other.dial()
    other.press("3")
    other.press("1")
    other.press("65#")
    assert rebate.say("看看别的地区") == other.press("2")


def test_the_registered_caller_answers_yes_or_no_by_words(caller):
    yes = caller(from_="+8613900000065")
    yes.dial()
    yes.say("余额")
    assert yes.say("是我本人") == [ASK_PASSWORD]
    no = caller(from_="+8613900000065")
    no.dial()
    no.say("余额")
    assert no.say("不是") == [ASK_ID]


def test_the_busy_agents_menu_takes_the_global_words(caller):
    c = caller()
    c.dial()
    c.say("转人工")
    assert c.dialled
    assert c.transfer_ends("busy") == [NODES[SETTINGS.agent_busy].prompt]
    assert c.say("返回主菜单") == [MAIN.short]
