"""The simulator in a real browser against a real server: what the page shows is what a caller would hear."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.prompts import (
    AGENT_BUSY,
    ASK_AREA_CODE,
    ASK_ID,
    ASK_PASSWORD,
    BALANCE,
    MAIN,
    MESSAGES,
    NODES,
    PAYMENTS,
    REBATE,
    SCRIPT,
    SETTINGS,
    ask_age,
    rebate_where,
    wrong_password,
)

NOV_20 = "二零二六年十一月二十日"
RATING = NODES[SETTINGS.rating]


class Phone:
    """The simulator page as a tester uses it: dial, tap or type keys, read the transcript."""

    def __init__(self, page: Page):
        self.page = page

    def call(self, number: str = "+861012393", fast: bool = True, caller: str | None = None) -> None:
        self.page.set_checked("#fast", fast)
        self.page.select_option("#to", number)
        if caller is not None:
            self.page.fill("#from", caller)
        self.page.click("#call")

    def said(self, text: str):
        return self.page.locator("#transcript li.hotline").filter(has_text=text)

    def hears(self, text: str, times: int = 1) -> None:
        """Wait until the transcript holds `text` said by the hotline `times` times."""
        expect(self.said(text)).to_have_count(times)

    def tap(self, keys: str) -> None:
        for key in keys:
            self.page.click(f'.key[data-key="{key}"]')

    def type(self, keys: str) -> None:
        self.page.keyboard.type(keys)

    @property
    def transcript(self) -> str:
        return self.page.inner_text("#transcript")


@pytest.fixture
def phone(page) -> Phone:
    return Phone(page)


def sign_in(phone: Phone, id_number: str, password: str) -> None:
    # Both entries end by themselves at their last key: no # is needed.
    phone.hears(ASK_ID)
    phone.type(id_number)
    phone.hears(ASK_PASSWORD)
    phone.type(password)


def test_balance_with_a_demo_account(phone, page):
    phone.call("+8675512393")
    phone.hears(MAIN.greeting)
    phone.tap("1")
    sign_in(phone, "440305198503150016", "123456")
    phone.hears(BALANCE.text.format(balance="五千六百七十八元九角", as_of=NOV_20))
    expect(page.locator("#node")).to_have_text("balance")
    # The answer is marked with the node it came from, and the keys pressed appear as the caller's own lines.
    expect(phone.said("五千六百七十八元九角").locator(".tag")).to_have_text("balance")
    expect(page.locator("#transcript li.caller").filter(has_text="123456")).to_have_count(1)
    # The side panel shows the call's state as the app stored it: the verified ID as its keyed hash, never the number.
    state = page.inner_text("#state")
    assert '"verified": null' not in state and '"verified"' in state
    assert "440305198503150016" not in state
    assert 'numDigits="1"' in page.inner_text("#steps")


def test_the_caller_id_field_makes_a_registered_caller(phone, page):
    phone.call("+861012393", caller="+8613900000065")
    phone.hears(MAIN.greeting)
    phone.tap("1")
    # The question names the tail of the ID registered on that mobile (110101196106080024); the ID is never asked.
    phone.hears(SCRIPT.reader.id_tail("110101196106080024"))
    phone.tap("1")
    phone.hears(ASK_PASSWORD)
    phone.type("111111")
    phone.hears(SCRIPT.reader.amount("1234.56"))
    assert ASK_ID not in phone.transcript


def paid(month: str) -> str:
    return PAYMENTS.month.format(month=month, individual="一百二十元", credited="一百二十元整")


def test_payment_records_page_by_page(phone, page):
    phone.call("+861012393")
    phone.hears(MAIN.greeting)
    phone.tap("2")
    sign_in(phone, "110101196106080024", "111111")
    phone.hears(PAYMENTS.page.format(page="一", pages="三"))
    phone.hears(paid("二零一六年六月"))
    phone.tap("6")
    # Each page is left as soon as its first month is heard: a key interrupts the rest of a Gather's prompts.
    phone.hears(paid("二零一六年三月"))
    phone.tap("6")
    phone.hears(paid("二零一五年十二月"))
    phone.tap("6")
    phone.hears(MESSAGES.last_page)
    phone.tap("4")
    phone.hears(paid("二零一六年三月"), times=2)
    expect(page.locator("#node")).to_have_text("payments")
    assert '"page": 1' in page.inner_text("#state")


def test_rebate_for_other_regions_by_area_code(phone):
    phone.call("+861012393")
    phone.hears(MAIN.greeting)
    phone.tap("3")
    phone.hears(rebate_where("北京"))
    phone.tap("2")
    phone.hears(ASK_AREA_CODE)
    phone.type("0755#")
    phone.hears(REBATE.region.format(region="深圳"))
    phone.tap("2")
    phone.hears(rebate_where("北京"), times=2)
    phone.tap("2")
    phone.hears(ASK_AREA_CODE, times=2)
    phone.type("021#")
    phone.hears(ask_age("上海"))
    phone.type("80#")
    phone.hears(REBATE.age_tiered_yearly.format(tier=REBATE.tier_from.format(age="七十五"), amount="一千八百九十元",
                                                monthly="一百五十七元五角"))


def test_silence_reprompts_then_says_goodbye(phone, page):
    phone.call("+861012393")
    phone.hears(MAIN.prompt)
    # The Gather's timeout runs, visibly, after the prompt has ended.
    expect(page.locator("#countdown")).to_be_visible()
    expect(page.locator("#call-status")).to_have_text("请按键")
    phone.hears(MAIN.noinput[0])
    phone.hears(MAIN.short)
    assert "event=silence" in page.inner_text("#steps")
    phone.hears(MAIN.noinput[1])
    phone.hears(MESSAGES.too_many_noinput)
    phone.hears(MESSAGES.goodbye)
    # <Hangup> ends the call on the page.
    expect(page.locator("#call-status")).to_have_text("通话已结束")
    expect(page.locator("#transcript")).to_contain_text("热线挂断了电话。")
    expect(page.locator("#hangup")).to_be_disabled()
    expect(page.locator("#call")).to_be_enabled()


def test_a_wrong_password_can_be_corrected(phone):
    phone.call("+862312393")
    phone.hears(MAIN.greeting)
    phone.tap("1")
    sign_in(phone, "500103197911020032", "000000")
    phone.hears(wrong_password(2))
    phone.type("555555")
    phone.hears(BALANCE.text.format(balance="三百二十六元四角", as_of=NOV_20))


def test_the_keyboard_drives_the_keypad(phone, page):
    phone.call("+861012393")
    phone.hears(MAIN.greeting)
    page.keyboard.press("3")
    phone.hears(rebate_where("北京"))
    expect(page.locator("#transcript li.caller").filter(has_text=re.compile(r"^\D*3$"))).to_have_count(1)
    # * repeats the menu, typed as on a keyboard (Shift+8).
    page.keyboard.press("Shift+8")
    phone.hears(rebate_where("北京"), times=2)
    page.keyboard.press("9")
    phone.hears(MAIN.short, times=1)
    # Typing into the caller ID field is not a key press on the phone.
    keys_before = page.locator("#transcript li.caller").count()
    page.click("#hangup")
    expect(page.locator("#call-status")).to_have_text("通话已结束")
    page.fill("#from", "")
    page.type("#from", "13912345678")
    assert page.locator("#transcript li.caller").count() == keys_before


def test_a_transfer_shows_whom_the_call_goes_to(phone, page):
    # The Shanghai line's agents answer around the clock, so this does not depend on the time of day.
    phone.call("+862112393")
    phone.hears(MAIN.greeting)
    phone.tap("0")
    phone.hears(MESSAGES.agent_connecting)
    expect(page.locator("#dial-panel")).to_be_visible()
    expect(page.locator("#dial-title")).to_have_text("转接到 +862165550100")
    page.click("[data-dial-status='busy']")
    # A busy agent leads to a choice; 0 tries again.
    phone.hears(AGENT_BUSY)
    phone.tap("0")
    phone.hears(MESSAGES.agent_connecting, times=2)
    page.click("[data-dial-status='completed']")
    # After the agent, the caller rates the service; the call then ends.
    phone.hears(RATING.prompt)
    phone.tap("1")
    phone.hears(MESSAGES.rating_thanks)
    expect(page.locator("#call-status")).to_have_text("通话已结束")


def test_the_text_panel_shows_the_message_that_would_be_sent(phone, page):
    phone.call("+861012393", caller="+8613900000065")
    phone.hears(MAIN.greeting)
    phone.tap("1")
    phone.hears(SCRIPT.reader.id_tail("110101196106080024"))
    phone.tap("1")
    phone.hears(ASK_PASSWORD)
    phone.type("111111")
    phone.hears(SCRIPT.reader.amount("1234.56"))
    expect(page.locator("#no-texts")).to_be_visible()
    phone.tap("8")
    phone.hears(MESSAGES.text_queued.format(tail=SCRIPT.reader.digits("0065")))
    # The message as it would be sent, the mobile masked; the simulator sends none.
    text = page.locator("#texts li")
    expect(text).to_have_count(1)
    expect(text).to_contain_text("1,234.56")
    expect(text).to_contain_text("0065")
    expect(text).to_contain_text("simulated")
    assert "13900000065" not in page.inner_text("#texts")
    expect(page.locator("#no-texts")).to_be_hidden()


def test_hang_up_and_call_again(phone, page):
    phone.call("+861012393")
    phone.hears(MAIN.greeting)
    page.click("#hangup")
    expect(page.locator("#transcript")).to_contain_text("您挂断了电话。")
    expect(page.locator("#call")).to_have_text("再拨一次")
    page.click("#call")
    phone.hears(MAIN.greeting)


def test_english_interface(page):
    page.click("#language")
    expect(page.locator("h1")).to_have_text("Medical-insurance hotline simulator")
    expect(page.locator("#call")).to_have_text("Call")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.locator("#call")).to_have_text("Call")
    page.click("#language")
    expect(page.locator("#call")).to_have_text("拨打")


def test_keys_interrupt_prompts_inside_a_gather_only(phone, page):
    # At normal speed the greeting lasts seconds, so the key surely lands while it is being said.
    phone.call("+862112393", fast=False)
    phone.hears(MAIN.greeting)
    phone.tap("1")
    phone.hears(ASK_ID)
    expect(phone.said(MAIN.greeting)).to_have_class(re.compile(r"\binterrupted\b"))
    expect(phone.said(MAIN.prompt)).to_have_count(0)
    # The transfer announcement is a <Say> outside any <Gather>: Twilio does not listen there.
    phone.tap("0#")
    phone.hears(MESSAGES.agent_connecting)
    phone.tap("5")
    ignored = page.locator("#transcript li.caller.ignored")
    expect(ignored).to_have_count(1)
    expect(ignored).to_contain_text("未被接收")
    expect(page.locator("#dial-panel")).to_be_visible()
    expect(phone.said(MESSAGES.agent_connecting)).not_to_have_class(re.compile(r"\binterrupted\b"))


def test_the_speech_box_says_words_where_the_line_listens(phone, page):
    def say(text: str, confidence: str = "0.9") -> None:
        page.fill("#confidence", confidence)
        page.fill("#utterance", text)
        page.click("#say")

    phone.call("+861012393")
    phone.hears(MAIN.greeting)
    say("缴费记录", "0.3")
    phone.hears(MESSAGES.speech_confirm.format(choice=MAIN.say["2"][0]))
    say("不是")
    say("我想查一下余额。")
    phone.hears(ASK_ID)
    say("幺幺零幺零幺，一九六幺零六零八，零零两四")
    phone.hears(SCRIPT.reader.digits("19610608"))
    expect(page.locator("#transcript li.caller").filter(has_text="我想查一下余额")).to_have_count(1)
    phone.tap(SCRIPT.settings.recognition.yes_key)
    phone.hears(ASK_PASSWORD)
    # The password takes keys only: words said now are not sent, and the page says why.
    say("一一一一一一")
    expect(page.locator("#transcript li.ignored_words")).to_have_count(1)
    phone.type("111111")
    phone.hears(SCRIPT.reader.amount("1234.56"))
    state = page.inner_text("#state")
    assert "110101196106080024" not in state and "幺幺零" not in state
    assert "一一一一一一" not in page.inner_text("#steps")
