"""The simulator and the operator dashboard in Chromium, as a tester and an operator use them: the keypad in view on a
laptop and a phone, a call at night, time-outs and glosses in the transcript, charts with the right totals after
scripted calls, axe-core with no serious violation, and everything by keyboard alone."""

from __future__ import annotations

import itertools
import re

import pytest
import requests
from playwright.sync_api import expect

from ivr.tools.phone import Answer, Phone, Transport
from tests.e2e.browser.conftest import OPERATOR_PASSWORD, serious_violations
from tests.prompts import MAIN, MESSAGES, SCRIPT

SIZES = {"laptop": (1280, 800), "phone": (375, 667)}
KEYS = "123456789*0#"


def open_page(browser, url: str, size=(1280, 800), **options):
    # axe-core is injected as a script of its own, which the pages' Content-Security-Policy would rightly refuse.
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN", bypass_csp=True,
                                  **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    return context, page


def operator_login():
    return {"http_credentials": {"username": "operator", "password": OPERATOR_PASSWORD}}


def keypad_in_view(page) -> list[str]:
    """The keys that are not wholly inside the window."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    outside = []
    for key in KEYS:
        box = page.locator(f'.key[data-key="{key}"]').bounding_box()
        if box is None or box["x"] < 0 or box["y"] < 0 or box["x"] + box["width"] > width or box["y"] + box["height"] > height:
            outside.append(key)
    return outside


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_whole_keypad_is_in_view(browser, server, size):
    context, page = open_page(browser, server + "/simulator", SIZES[size])
    page.wait_for_selector("body[data-ready='1']")
    assert keypad_in_view(page) == []
    # Nothing wider than the window: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]
    page.set_checked("#fast", True)
    page.click("#call")
    expect(page.locator("#transcript li.hotline").first).to_be_visible()
    assert keypad_in_view(page) == []
    page.keyboard.type("3")
    expect(page.locator("#entered")).to_have_text("3")
    context.close()


def test_a_night_call_reaches_the_out_of_hours_answer(browser, server):
    context, page = open_page(browser, server + "/simulator")
    page.wait_for_selector("body[data-ready='1']")
    page.set_checked("#fast", True)
    page.select_option("#to", "+861012393")
    # A Monday at 22:30, when Beijing's agents are not in (data/lines.yaml).
    page.fill("#at", "2026-11-23T22:30")
    page.click("#call")
    expect(page.locator("#transcript li.hotline").filter(has_text=MAIN.greeting)).to_have_count(1)
    page.keyboard.type("0")
    closed = MESSAGES.agent_closed.split("{")[0]
    expect(page.locator("#transcript li.hotline").filter(has_text=closed)).to_have_count(1)
    assert page.locator("#dial-panel").is_hidden()
    context.close()


def test_the_transcript_shows_time_outs_and_re_prompts_with_one_number_per_step(browser, server):
    context, page = open_page(browser, server + "/simulator")
    page.wait_for_selector("body[data-ready='1']")
    page.set_checked("#fast", True)
    page.click("#call")
    expect(page.locator("#transcript li.note").filter(has_text="超时")).to_have_count(2, timeout=30_000)
    expect(page.locator("#transcript li.note").filter(has_text="超时：重新提示")).to_have_count(1)
    page.keyboard.type("5")
    expect(page.locator("#transcript li.note").filter(has_text="按键不是选项：重新提示")).to_have_count(1)
    numbers = page.locator("#steps .step-number").all_inner_texts()
    assert numbers == [f"{n}." for n in range(len(numbers), 0, -1)] and len(numbers) == 3
    context.close()


def test_the_english_switch_glosses_each_prompt(browser, server):
    context, page = open_page(browser, server + "/simulator")
    page.wait_for_selector("body[data-ready='1']")
    page.click("#language")
    page.set_checked("#fast", True)
    page.click("#call")
    gloss = page.locator("#transcript li.gloss")
    expect(gloss.first).to_have_text(SCRIPT.nodes["main"].en)
    expect(gloss.first).to_be_visible()
    page.click("#language")
    expect(gloss.first).to_be_hidden()
    context.close()


def test_the_simulator_works_by_keyboard_alone(browser, server):
    context, page = open_page(browser, server + "/simulator")
    page.wait_for_selector("body[data-ready='1']")
    page.set_checked("#fast", True)
    page.focus("#call")
    page.keyboard.press("Enter")
    expect(page.locator("#transcript li.hotline").filter(has_text=MAIN.greeting)).to_have_count(1)
    # A key of the on-screen keypad, reached with Tab and pressed with the space bar.
    page.focus('.key[data-key="9"]')
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.key") == "*"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(page.locator("#transcript li.caller").filter(has_text="9")).to_have_count(1)
    context.close()


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_simulator_has_no_serious_accessibility_violation(browser, server, size):
    context, page = open_page(browser, server + "/simulator", SIZES[size])
    page.wait_for_selector("body[data-ready='1']")
    assert serious_violations(page) == []
    page.set_checked("#fast", True)
    page.click("#call")
    page.keyboard.type("4")
    expect(page.locator("#transcript li.ignored, #transcript li.note").first).to_be_visible(timeout=20_000)
    page.click("#language")
    assert serious_violations(page) == []
    context.close()


def test_the_countdown_is_told_at_most_every_five_seconds(browser, server):
    context, page = open_page(browser, server + "/simulator")
    page.wait_for_selector("body[data-ready='1']")
    page.evaluate("""() => {
        window.told = [];
        const spoken = document.getElementById('countdown-spoken');
        new MutationObserver(() => { if (spoken.textContent) window.told.push(performance.now()); })
            .observe(spoken, {childList: true, characterData: true, subtree: true});
    }""")
    assert page.locator("[aria-live]:has(#countdown-text)").count() == 0
    page.click("#call")
    expect(page.locator("#countdown")).to_be_visible(timeout=30_000)
    page.wait_for_timeout(6_000)
    told = page.evaluate("window.told")
    gaps = [b - a for a, b in itertools.pairwise(told)]
    assert told and all(gap >= 4_900 for gap in gaps), gaps
    context.close()


def test_home_leads_to_both_pages_and_there_is_a_favicon(browser, operator_server):
    context, page = open_page(browser, operator_server + "/", **operator_login())
    page.get_by_role("link", name=re.compile("模拟器")).click()
    page.wait_for_selector("body[data-ready='1']")
    page.go_back()
    page.get_by_role("link", name=re.compile("运营统计")).click()
    expect(page.locator("h1")).to_have_text("医保服务热线 · 运营统计")
    assert serious_violations(page) == []
    page.get_by_role("link", name="菜单图").click()
    expect(page.locator("h1")).to_have_text("菜单结构图 / Menu map")
    assert serious_violations(page) == []
    page.goto(operator_server + "/")
    assert serious_violations(page) == []
    assert requests.get(operator_server + "/favicon.ico", timeout=5).headers["Content-Type"].startswith("image/svg")
    context.close()


class Http(Transport):
    """Posts a phone's requests to the server under test, as Twilio would."""

    def __init__(self, base: str):
        self.base = base

    def send(self, request) -> Answer:
        response = requests.post(self.base + request.path, data=request.params, headers=request.headers, timeout=15)
        return Answer(response.status_code, response.text, response.headers.get("Content-Type", "").split(";")[0])


def twilio_call(base: str, to: str, keys: list[str]) -> Phone:
    phone = Phone(Http(base), "browser-test-token", to=to, base=base)
    phone.dial()
    for key in keys:
        phone.press(key)
    phone.post("/voice/status", phone.params(CallStatus="completed", CallDuration="30"))
    return phone


def bar_count(page, chart: str, label: str) -> int:
    return int(page.locator(f'#{chart} rect[data-label="{label}"]').get_attribute("data-count"))


def test_the_dashboard_charts_count_the_scripted_calls(browser, operator_server):
    # Two callers on the phone: one hears the balance, one asks for an agent; and a tester on the simulator.
    twilio_call(operator_server, "+8675512393", ["1", "440305198503150016", "123456"])
    # Shanghai's agents answer at any hour (data/lines.yaml), whenever the test runs.
    twilio_call(operator_server, "+862112393", ["7", "0"])
    context, page = open_page(browser, operator_server + "/simulator", **operator_login())
    page.wait_for_selector("body[data-ready='1']")
    page.set_checked("#fast", True)
    page.click("#call")
    expect(page.locator("#transcript li.hotline").filter(has_text=MAIN.greeting)).to_have_count(1)
    page.click("#hangup")
    page.wait_for_timeout(500)

    page.goto(operator_server + "/operator")
    assert page.locator("#chart-days").get_attribute("data-total") == "2"
    assert page.locator("#chart-hours").get_attribute("data-total") == "2"
    assert bar_count(page, "chart-funnel", "来电") == 2
    assert bar_count(page, "chart-funnel", "验证身份") == 1
    assert bar_count(page, "chart-funnel", "听到查询结果") == 1
    assert bar_count(page, "chart-funnel", "转人工") == 1
    expect(page.locator('#misses tr[data-node="main"] td').nth(1)).to_have_text("1")
    # Node names are the operators' titles, never the internal ids.
    expect(page.locator('#funnel tr[data-node="ask_password"] td').first).to_have_text("输入密码")
    assert serious_violations(page) == []

    # The simulator's call counts only when asked for: chosen by keyboard alone.
    page.focus("#simulated")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"simulated=1"))
    assert page.locator("#chart-days").get_attribute("data-total") == "3"
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename == "calls.csv"
    context.close()


def test_a_key_no_gather_hears_is_shown_readably(browser, server):
    context, page = open_page(browser, server + "/simulator")
    page.wait_for_selector("body[data-ready='1']")
    page.set_checked("#fast", True)
    # Shanghai's agents answer at any hour: during the transfer no Gather listens, so a key is ignored.
    page.select_option("#to", "+862112393")
    page.click("#call")
    expect(page.locator("#transcript li.hotline").filter(has_text=MAIN.greeting)).to_have_count(1)
    page.keyboard.type("0")
    expect(page.locator("#dial-panel")).to_be_visible()
    page.keyboard.type("5")
    expect(page.locator("#transcript li.ignored")).to_have_count(1)
    assert serious_violations(page) == []
    context.close()
