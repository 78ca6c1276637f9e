"""Words instead of keys, through the engine without Flask: every kind of node, the hotline's questions when it is
unsure, and the recogniser's hints. Sentences come from the script; what words lead to is compared with the keys."""

import datetime as dt
import shutil

import pytest

from ivr.content.version import load_hotline
from ivr.core import listening
from ivr.core.engine import Engine
from ivr.core.events import DialEnded, Keys, Said, Silence
from ivr.core.idnumber import check_character
from ivr.core.replies import Dial, Gather, Hangup, Reply
from tests.prompts import (
    ASK_AREA_CODE,
    ASK_ID,
    ASK_PASSWORD,
    HOTLINE,
    MAIN,
    MESSAGES,
    NODES,
    READ,
    ROOT,
    SCRIPT,
    SETTINGS,
)
from tests.unit.test_engine import NOW, MemoryBackend

WORDS = SETTINGS.recognition
SURE, UNSURE = 0.9, WORDS.confidence / 2
BEIJING_LINE, SHENZHEN_LINE = "+861012393", "+8675512393"
RETIREE = "110101196106080024"


class Call:
    """One call through the engine, with words as well as keys."""

    def __init__(self, called=BEIJING_LINE, caller=""):
        self.engine = Engine(HOTLINE, MemoryBackend(), caller=caller)
        self.state, self.reply = self.engine.start(called, NOW)

    def press(self, keys: str) -> tuple[str, ...]:
        self.reply = self.engine.step(self.state, Keys(keys), NOW)
        return self.reply.says

    def say(self, text: str, confidence: float = SURE) -> tuple[str, ...]:
        self.reply = self.engine.step(self.state, Said(text, confidence), NOW)
        return self.reply.says


def keyed(*keys: str) -> tuple[str, ...]:
    """What a caller hears after keying these, one step each, from the start of a call."""
    call = Call()
    for key in keys:
        call.press(key)
    return call.reply.says


def speech_nomatch(node: str) -> str:
    return MESSAGES.speech_nomatch.format(choices=MESSAGES.speech_separator.join(
        words[0] for words in NODES[node].say.values()))


# Menus.

@pytest.mark.parametrize("utterance, key", [
    ("我想查一下我的余额。", "1"), ("缴费记录", "2"), ("返钱标准", "3"), ("按二", "2"), ("3", "3"),
])
def test_words_choose_the_option_they_name_as_its_key_does(utterance, key):
    said, pressed = Call(), Call()
    said.say(utterance)
    pressed.press(key)
    assert said.reply == pressed.reply and said.state == pressed.state


def test_the_global_words_repeat_go_home_and_reach_an_agent():
    call = Call()
    assert call.say("没听清，再说一遍") == (MAIN.prompt,)
    call.say("返钱标准")
    assert call.say("返回主菜单") == (MAIN.short,)
    assert call.say("转人工") == keyed(SETTINGS.keys.agent)
    assert call.reply.then == Dial("+861065550100")


def test_words_that_name_two_options_or_none_are_wrong_keys_with_their_own_reprompt():
    call = Call()
    assert call.say("余额和缴费记录") == (speech_nomatch("main"),)
    assert call.state.nomatch == 1 and call.reply.then == Gather(SETTINGS.timeout.menu, "", 1)
    assert call.reply.node == SETTINGS.start
    assert call.say("今天天气怎么样") == (speech_nomatch("main"),)
    # The third wrong answer reaches the limit, as wrong keys do: an agent while agents answer.
    assert call.say("我要买火车票") == keyed("8", "8", "8")


def test_a_digit_said_alone_that_no_option_is_on_is_not_understood():
    call = Call()
    assert call.say("按七") == (speech_nomatch("main"),)


def test_words_in_a_menu_whose_options_take_no_words_are_a_wrong_key():
    # The busy agent's menu has no words of its own: words it does not take are answered as a wrong key there.
    call = Call()
    call.press(SETTINGS.keys.agent)
    call.engine.step(call.state, DialEnded(answered=False), NOW)
    assert call.state.node == SETTINGS.agent_busy
    node = NODES[SETTINGS.agent_busy]
    assert call.say("我要订外卖") == ((node.nomatch or MESSAGES.nomatch)[0], node.short or node.prompt)
    assert call.state.nomatch == 1


def test_below_the_confidence_threshold_the_hotline_asks_first():
    call = Call()
    question = MESSAGES.speech_confirm.format(choice=MAIN.say["2"][0])
    assert call.say("缴费记录", confidence=UNSURE) == (question,)
    assert call.reply.then == Gather(SETTINGS.timeout.menu, "", 1) and call.reply.node == SETTINGS.start
    # No: the whole menu again, not counted as a wrong key.
    assert call.say("不是") == (MAIN.prompt,) and call.state.nomatch == 0
    call.say("缴费记录", confidence=UNSURE)
    assert call.say("是的") == keyed("2")
    assert call.state.return_to == "payments"


def test_words_heard_with_just_the_confidence_setting_are_taken_without_asking():
    call = Call()
    assert call.say("缴费记录", confidence=WORDS.confidence) == keyed("2")


def test_the_hotline_s_question_is_answered_with_the_keys_it_names():
    call = Call()
    call.say("缴费记录", confidence=UNSURE)
    assert call.press(WORDS.yes_key) == keyed("2") and call.state.return_to == "payments"
    call = Call()
    call.say("缴费记录", confidence=UNSURE)
    assert call.press(WORDS.no_key) == (MAIN.prompt,)


def test_neither_yes_nor_no_to_the_question_is_taken_as_what_it_says():
    call = Call()
    call.say("缴费记录", confidence=UNSURE)
    assert call.say("余额") == keyed("1") and call.state.return_to == "balance"
    call = Call()
    call.say("缴费记录", confidence=UNSURE)
    assert call.press("3") == keyed("3")


def test_the_hotline_names_an_unsure_key_by_its_first_phrase_or_else_by_the_key():
    call = Call()
    call.press("3")
    node = NODES["rebate_where"]
    said = call.say("按九", confidence=UNSURE)
    assert said == (MESSAGES.speech_confirm.format(choice=WORDS.main[0]),)
    assert node.say and listening.label(SCRIPT, node, "7") == "7"


@pytest.mark.parametrize("interrupt", [Silence(), None])
def test_the_question_lasts_one_step(interrupt):
    call = Call()
    call.say("缴费记录", confidence=UNSURE)
    if interrupt is None:
        call.reply = call.engine.garbled(call.state, NOW)
    else:
        call.engine.step(call.state, interrupt, NOW)
    # After anything else, the key that meant "no" is the option it is on.
    assert call.press(WORDS.no_key) == keyed(WORDS.no_key)
    assert call.state.return_to == "payments"


# Entries.

def test_an_id_number_said_is_read_back_in_groups_and_confirmed_by_words():
    call = Call()
    call.say("余额")
    readback = MESSAGES.id_readback.format(groups=MESSAGES.speech_separator.join(
        READ.digits(part) for part in ("110101", "19610608", "0024")))
    assert call.say("幺幺零幺零幺，一九六幺零六零八，零零两四") == (readback,)
    assert call.reply.personal and call.reply.node == SETTINGS.identify
    assert call.reply.then == Gather(SETTINGS.timeout.menu, "", 1)
    assert RETIREE not in str(call.state.to_dict())
    assert call.say("对的") == (ASK_PASSWORD,)
    assert call.state.pending == call.engine.backend.reference(RETIREE)


def test_a_read_back_id_number_is_confirmed_with_a_key_or_refused():
    call = Call()
    call.press("1")
    call.say("1101011961 0608 0024")
    assert call.press(WORDS.no_key) == (ASK_ID,) and call.state.pending is None
    call.say("幺幺零幺零幺幺九六幺零六零八零零二四")
    assert call.press(WORDS.yes_key) == (ASK_PASSWORD,)


def test_a_read_back_is_forgotten_after_silence():
    call = Call()
    call.press("1")
    call.say("幺幺零幺零幺幺九六幺零六零八零零二四")
    call.engine.step(call.state, Silence(), NOW)
    # The yes key is now the first key of an ID number, and too short for one.
    assert call.press(WORDS.yes_key) == keyed("1", "1")


def test_a_locked_id_said_and_confirmed_is_told_how_to_unlock():
    call = Call()
    call.press("1")
    call.say("三七零幺零二幺九五八零二幺四零零五幺")
    assert call.say("是的") == keyed("1", "370102195802140051")


def test_an_id_number_said_wrong_is_told_as_if_keyed():
    call = Call()
    call.press("1")
    assert call.say("幺幺零幺零幺幺九六幺零六零八零零二五") == keyed("1", "110101196106080025")


def test_words_at_an_entry_that_are_no_number_are_a_wrong_key():
    call = Call()
    call.press("1")
    assert call.say("我不知道") == ((NODES[SETTINGS.identify].nomatch or MESSAGES.nomatch)[0], ASK_ID)
    assert call.state.nomatch == 1


def test_the_global_words_work_at_an_entry():
    call = Call()
    call.press("1")
    assert call.say("返回主菜单") == (MAIN.short,)
    call.press("1")
    assert call.say("再说一遍") == keyed("1", SETTINGS.keys.repeat)
    assert call.reply.node == NODES[SETTINGS.identify].help
    call = Call()
    call.press("1")
    assert call.say("转人工") == keyed("1", SETTINGS.keys.agent)


def test_an_id_number_said_is_checked_on_the_day_of_the_step():
    # Born the day after the step: not yet born then, whatever the day the test runs, so it is told as if keyed.
    first17 = "110101" + (NOW + dt.timedelta(days=1)).strftime("%Y%m%d") + "001"
    unborn = first17 + check_character(first17)
    call = Call()
    call.press("1")
    assert call.say(" ".join(unborn)) == keyed("1", unborn)
    assert call.reply.node == SETTINGS.identify and not call.reply.personal


def test_the_password_refuses_words_and_keeps_nothing_of_them():
    call = Call()
    call.press("1")
    call.press(RETIREE)
    secret = "幺幺幺幺幺幺"
    assert call.say(secret) == (MESSAGES.password_keys_only, ASK_PASSWORD)
    assert call.reply.node == "ask_password" and call.reply.then == Gather(SETTINGS.timeout.input, "#", 6)
    assert secret not in str(call.state.to_dict()) and call.state.nomatch == 0
    assert call.say("转人工") == (MESSAGES.password_keys_only, ASK_PASSWORD)


def test_an_area_code_said_as_digits_or_a_city_is_the_same_as_keyed():
    call = Call()
    call.say("返钱标准")
    assert call.say("其他地区") == (ASK_AREA_CODE,)
    assert call.say("洞七五五") == keyed("3", "2", "0755")
    call = Call()
    call.press("3")
    call.press("2")
    assert call.say("深圳。") == keyed("3", "2", "0755")


def test_an_age_said_as_a_number_is_the_same_as_keyed():
    call = Call()
    call.press("3")
    call.say("本地")
    assert call.say("七十二岁") == keyed("3", "1", "72")


def test_an_entry_s_help_menu_takes_its_own_words():
    call = Call()
    call.press("1")
    call.press(SETTINGS.keys.repeat)
    assert call.say("我要订外卖") == (speech_nomatch("entry_help"),)
    assert call.say("重新输入") == (ASK_ID,)


def test_the_registered_caller_answers_yes_or_no_by_words():
    yes = Call(caller="+8613900000065")
    yes.say("余额")
    assert yes.say("是我本人") == (ASK_PASSWORD,)
    no = Call(caller="+8613900000065")
    no.say("余额")
    assert no.say("不是") == (ASK_ID,)


# What the recogniser is told to expect.

def test_a_menu_s_hints_are_its_own_words_and_the_global_words_once_each():
    said = listening.hints(SCRIPT, "main")
    own = [phrase for words in MAIN.say.values() for phrase in words]
    assert set(said) == set(own) | set(WORDS.repeat) | set(WORDS.main) | set(WORDS.agent)
    assert len(said) == len(set(said))


def test_an_option_s_own_words_come_before_the_global_words_of_its_key():
    node = NODES["entry_help"]
    found = listening.phrases(SCRIPT, node)
    assert found["1"] == tuple(node.say["1"])
    assert listening.phrases(SCRIPT, NODES[SETTINGS.agent_busy])[SETTINGS.keys.main] == tuple(WORDS.main)


def test_every_node_but_the_password_takes_words():
    assert listening.hints(SCRIPT, "ask_password") is None
    assert listening.hints(SCRIPT, SETTINGS.identify) == tuple(dict.fromkeys(
        WORDS.repeat + WORDS.main + WORDS.agent))


def test_a_line_with_speech_on_listens_where_the_node_takes_words():
    call = Call()
    heard = listening.listen(HOTLINE, call.state, call.reply)
    assert heard.then.hints == listening.hints(SCRIPT, SETTINGS.start)
    assert heard.says == call.reply.says and heard.node == call.reply.node


@pytest.mark.parametrize("case", ["speech off", "password", "no gather", "unknown line", "unknown node"])
def test_a_reply_is_left_to_keys_alone(case):
    call = Call(called=SHENZHEN_LINE if case == "speech off" else BEIJING_LINE)
    reply = call.reply
    if case == "password":
        call.press("1")
        reply = call.engine.step(call.state, Keys(RETIREE), NOW)
        assert reply.node == "ask_password"
    elif case == "no gather":
        reply = Reply(("再见。",), Hangup(), SETTINGS.start)
    elif case == "unknown line":
        call.state.line = "nowhere"
    elif case == "unknown node":
        reply = Reply(reply.says, reply.then, "nowhere")
    assert listening.listen(HOTLINE, call.state, reply) == reply


# Words an operator may add, or leave out.

def edited(tmp_path_factory, name: str, file: str, *edits: tuple[str, str]):
    """The demo hotline with these replacements made in one prompts file."""
    folder = tmp_path_factory.mktemp(name)
    shutil.copytree(ROOT / "prompts", folder / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    path = folder / "prompts" / file
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return load_hotline(folder / "prompts", ROOT / "data")


@pytest.fixture(scope="module")
def keys_as_words(tmp_path_factory):
    """The demo hotline whose yes and no words include the keys its question names (是请按1，不是请按2)."""
    return edited(tmp_path_factory, "keys_as_words", "settings.yaml",
                  ("    yes_words: [", "    yes_words: [一, "), ("    no_words: [", "    no_words: [二, "))


def test_yes_and_no_said_as_the_keys_the_question_names_in_their_radio_forms(keys_as_words):
    engine = Engine(keys_as_words, MemoryBackend())
    state, _ = engine.start(BEIJING_LINE, NOW)
    engine.step(state, Said("缴费记录", UNSURE), NOW)
    assert engine.step(state, Said("两", SURE), NOW).says == (MAIN.prompt,)
    engine.step(state, Said("缴费记录", UNSURE), NOW)
    assert engine.step(state, Said("幺", SURE), NOW).says == keyed("2")


def test_an_option_without_words_is_chosen_by_its_number_said(tmp_path_factory):
    # A menu whose prompt is written by hand (a built one takes its labels as words).
    hotline = edited(tmp_path_factory, "option_without_words", "menus.yaml",
                     ('      "2": [其他地区, 别的地区, 外地, 其它地区]\n', ""))
    engine = Engine(hotline, MemoryBackend())
    state, _ = engine.start(BEIJING_LINE, NOW)
    engine.step(state, Keys("3"), NOW)
    assert state.node == "rebate_where" and "2" not in hotline.script.nodes["rebate_where"].say
    engine.step(state, Said("按二", SURE), NOW)
    assert state.node == "rebate_area_code"


def test_an_option_on_a_global_key_keeps_the_global_words_after_its_own(tmp_path_factory):
    hotline = edited(tmp_path_factory, "busy_words", "menus.yaml",
                     ("    prompt: \"人工坐席正忙。再试一次按0，人工回电按1，主菜单按9。\"\n    options: {\"1\": callback}\n",
                      "    prompt: \"人工坐席正忙。再试一次按0，人工回电按1，主菜单按9。\"\n    options: {\"1\": callback}\n"
                      "    say:\n      \"0\": [再试一次]\n"))
    assert listening.phrases(hotline.script, hotline.script.nodes[SETTINGS.agent_busy])[SETTINGS.keys.agent] == (
        ("再试一次",) + tuple(WORDS.agent))
    engine = Engine(hotline, MemoryBackend())
    state, _ = engine.start(BEIJING_LINE, NOW)
    for event in (Keys(SETTINGS.keys.agent), DialEnded(answered=False)):
        engine.step(state, event, NOW)
    assert state.node == SETTINGS.agent_busy
    for said in ("再试一次", "转人工"):
        reply = engine.step(state, Said(said, SURE), NOW)
        assert reply.says == (MESSAGES.agent_connecting,) and reply.then == Dial("+861065550100")
        engine.step(state, DialEnded(answered=False), NOW)
