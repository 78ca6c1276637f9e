"""The rating after the agent and the text message after an answer, in the engine alone: what is said, what the
reply carries for the outer layers to store and send. Sentences come from the script; amounts are facts."""

from decimal import Decimal

import pytest

from ivr.core import answers
from ivr.core.answers import Context
from ivr.core.events import DialEnded
from ivr.core.reading import Reader, Writer
from ivr.core.replies import Hangup
from ivr.core.script import RATINGS
from ivr.core.state import State
from tests.unit.test_engine_paths import (
    HOTLINE,
    KEYS,
    MENU,
    MESSAGES,
    NODES,
    NOW,
    SCRIPT,
    SETTINGS,
    Call,
    key_for,
)

RATING = NODES[SETTINGS.rating]
# A retiree in Beijing with a registered mobile ending 0065, and a retiree in Shanghai with none.
WITH_MOBILE, WITH_MOBILE_PASSWORD, MOBILE_TAIL = "110101196106080024", "111111", "0065"
NO_MOBILE, NO_MOBILE_PASSWORD = "310104194809300043", "333333"


def after_the_agent() -> Call:
    call = Call()
    call.press(KEYS.agent)
    call.reply = call.engine.agent_leg_ended(call.state, NOW)
    return call


def test_each_rating_key_thanks_the_caller_ends_the_call_and_carries_its_rating():
    for key, target in RATING.options.items():
        call = after_the_agent()
        assert call.reply.says == (RATING.prompt,) and call.reply.node == SETTINGS.rating
        reply = call.press(key)
        assert reply.rating == target and reply.rating in RATINGS
        assert reply.says == (MESSAGES.rating_thanks,) and reply.then == Hangup() and reply.node == SETTINGS.rating


def test_the_rating_is_asked_once_more_after_a_silence_then_the_call_ends_without_one():
    call = after_the_agent()
    again = call.silence()
    assert again.says == (RATING.noinput[0], RATING.prompt) and again.then == MENU
    last = call.silence()
    assert last.says == (MESSAGES.goodbye,) and last.then == Hangup() and last.rating is None


def test_a_wrong_key_then_silence_also_ends_after_one_retry():
    call = after_the_agent()
    wrong = next(k for k in "45678" if k not in RATING.options)
    assert call.press(wrong).says == (RATING.nomatch[0], RATING.prompt)
    # The retry counts silences and wrong keys each; the second of either ends the call.
    assert call.press(wrong).then == Hangup()


def test_the_dial_ending_answered_is_the_same_entry_point():
    call = Call()
    call.press(KEYS.agent)
    assert call.engine.step(call.state, DialEnded(answered=True), NOW).says == (RATING.prompt,)


def verified_balance(id_number=WITH_MOBILE, password=NO_MOBILE_PASSWORD) -> Call:
    call = Call()
    call.press(key_for("main", "balance"))
    call.verify(id_number, password)
    return call


def test_the_text_key_queues_the_answers_facts_written_for_the_registered_mobile_only_said_as_being_sent():
    call = verified_balance(WITH_MOBILE, WITH_MOBILE_PASSWORD)
    reply = call.press(key_for("balance", "send_text"))
    assert reply.text is not None
    # The balance of the demo account, written with digits; never the ID number.
    assert "1,234.56" in reply.text.body and WITH_MOBILE not in reply.text.body
    assert reply.text.body.startswith(MESSAGES.text_body.split("{")[0])
    tail = SCRIPT.reader.digits(MOBILE_TAIL)
    assert reply.says[0] == MESSAGES.text_queued.format(tail=tail)
    assert reply.then == MENU and reply.node == "balance"


def test_no_registered_mobile_means_no_text_and_the_caller_is_told_so():
    call = verified_balance(NO_MOBILE, NO_MOBILE_PASSWORD)
    reply = call.press(key_for("balance", "send_text"))
    assert reply.text is None and reply.says[0] == MESSAGES.text_no_mobile


def test_an_unverified_caller_is_asked_for_identity_before_any_text():
    call = Call()
    call.press(key_for("main", "rebate"))
    call.press("1")
    # Beijing's rule goes by age: the age is keyed, then the rule is said.
    call.press("72")
    assert call.state.node == "rebate"
    reply = call.press(key_for("rebate", "send_text"))
    assert reply.text is None and reply.says[0] == MESSAGES.text_needs_identity
    assert call.state.node == SETTINGS.identify


def test_texts_per_call_are_limited_across_the_main_menu():
    call = verified_balance(WITH_MOBILE, WITH_MOBILE_PASSWORD)
    key = key_for("balance", "send_text")
    for _ in range(SETTINGS.texts_per_call):
        assert call.press(key).text is not None
        call.press(KEYS.main)
        call.press(key_for("main", "balance"))
    refused = call.press(key)
    assert refused.text is None and refused.says[0] == MESSAGES.text_limit


def test_the_writer_writes_figures_with_digits():
    writer = Writer(SCRIPT.reader.lexicon)
    assert writer.amount("1234.5") == SCRIPT.reader.lexicon["written"]["amount"].format(amount="1,234.50")
    assert writer.percent("2.80") == SCRIPT.reader.lexicon["written"]["percent"].format(number="2.8")
    assert writer.percent("7") == SCRIPT.reader.lexicon["written"]["percent"].format(number="7")
    assert writer.count(12) == "12" and writer.digits("0065") == "0065"


def test_without_a_rating_menu_the_agent_leg_ends_with_thanks(tmp_path):
    import shutil

    from ivr.content.version import load_hotline
    from ivr.core.engine import Engine
    from tests.unit.test_engine import MemoryBackend
    from tests.unit.test_engine_paths import BEIJING_LINE, ROOT

    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    settings = tmp_path / "prompts" / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("  rating: rating\n", ""), encoding="utf-8")
    menus = tmp_path / "prompts" / "menus.yaml"
    text = menus.read_text(encoding="utf-8")
    rating = text.index("\n  # Asked when the agent leg ends")
    menus.write_text(text[:rating] + text[text.index("\n  # Outside agent hours", rating):], encoding="utf-8")
    engine = Engine(load_hotline(tmp_path / "prompts", ROOT / "data"), MemoryBackend())
    state, _ = engine.start(BEIJING_LINE, NOW)
    reply = engine.agent_leg_ended(state, NOW)
    assert reply.says == (MESSAGES.agent_after_call,) and reply.then == Hangup() and reply.rating is None
    assert reply.node == state.node


def test_the_rating_given_up_and_the_thanks_without_a_rating_stay_at_the_node_the_call_ended_on():
    call = after_the_agent()
    call.silence()
    assert call.silence().node == SETTINGS.rating


def test_a_caller_half_way_through_identifying_talks_to_the_agent_and_the_rating_is_a_state_kept_as_any():
    call = Call()
    call.press(key_for("main", "balance"))
    call.press(WITH_MOBILE)
    assert call.state.pending is not None
    call.press(KEYS.agent)
    call.engine.agent_leg_ended(call.state, NOW)
    # What the web layer keeps between two webhooks reads back; the half-done identification is forgotten.
    again = State.from_dict(call.state.to_dict(), HOTLINE)
    assert again.pending is None and again.return_to is None


def written_facts(call: Call, name: str) -> str:
    """What the answer at `name` says, as the caller just heard it, written with digits: a text's facts."""
    node = NODES[name]
    backend = call.engine.backend
    context = Context(SCRIPT.written, HOTLINE.regions, node, dict(call.state.slots), HOTLINE.lines.local(NOW).date(),
                      lambda: backend.account(call.state.verified))
    return "".join(answers.kind(node.answer).speak(context).sentences)


def test_the_text_of_a_page_of_payments_holds_that_page_each_payment_after_the_other():
    call = Call()
    call.press(key_for("main", "payments"))
    call.verify(WITH_MOBILE, WITH_MOBILE_PASSWORD)
    call.press(key_for("payments", "next_page"))
    assert call.state.slots["page"] == 1
    heard = written_facts(call, "payments")
    reply = call.press(key_for("payments", "send_text"))
    assert reply.text.body == MESSAGES.text_body.format(facts=heard)
    assert call.state.slots["page"] == 1


def test_an_unverified_caller_asking_for_a_text_comes_back_to_the_answer_once_identified():
    call = Call()
    call.press(key_for("main", "rebate"))
    call.press("1")
    call.press("72")
    call.press(key_for("rebate", "send_text"))
    assert call.state.node == SETTINGS.identify
    call.verify(WITH_MOBILE, WITH_MOBILE_PASSWORD)
    assert call.state.node == "rebate"


def test_a_text_refused_leaves_the_caller_at_the_answer():
    no_mobile = verified_balance(NO_MOBILE, NO_MOBILE_PASSWORD)
    assert no_mobile.press(key_for("balance", "send_text")).node == "balance"
    limited = verified_balance(WITH_MOBILE, WITH_MOBILE_PASSWORD)
    limited.state.slots["texts"] = SETTINGS.texts_per_call
    assert limited.press(key_for("balance", "send_text")).node == "balance"


def test_a_text_asked_for_where_the_answer_still_needs_a_question_asks_it_and_sends_nothing():
    # A verified caller at the rebate who has just asked for another region: the region is asked first.
    call = verified_balance(WITH_MOBILE, WITH_MOBILE_PASSWORD)
    call.press(KEYS.main)
    call.press(key_for("main", "rebate"))
    call.state.slots = {"own": False}
    reply = call.press(key_for("rebate", "send_text"))
    assert reply.text is None and reply.node == NODES["rebate"].collect["region"]


def test_the_writer_rounds_half_cents_up_and_writes_whole_numbers_without_losing_their_zeros():
    writer = Writer(SCRIPT.reader.lexicon)
    written = SCRIPT.reader.lexicon["written"]
    assert writer.amount("0.125") == written["amount"].format(amount="0.13")
    assert writer.percent("10") == written["percent"].format(number="10")
    assert writer.percent("7.0") == written["percent"].format(number="7")
    # A figure worked out as a Decimal in exponent form is still written as digits.
    assert writer.decimal(Decimal("1E+1")) == "10"
    assert writer.integer(2025) == "2025"


def test_a_lexicon_without_key_words_says_the_keys_as_written_and_one_without_written_units_is_refused():
    lexicon = SCRIPT.reader.lexicon
    assert Reader({name: part for name, part in lexicon.items() if name != "keys"}).key("#") == "#"
    with pytest.raises(ValueError):
        Writer(dict(lexicon, written={"amount": lexicon["written"]["amount"]}))
