"""The pages under their strict Content-Security-Policy in a real browser: nothing they need is blocked."""

from __future__ import annotations

from playwright.sync_api import expect

# Collects every CSP violation the page reports, from before its first script runs.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def open_page(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    response = page.goto(url)
    return context, page, response


def test_the_simulator_runs_a_call_without_a_csp_violation(browser, server):
    context, page, response = open_page(browser, server + "/simulator")
    try:
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        page.wait_for_selector("body[data-ready='1']")
        page.set_checked("#fast", True)
        page.click("#call")
        expect(page.locator("#node")).to_have_text("main")
        assert page.evaluate("window.cspViolations") == []
    finally:
        context.close()


def test_the_map_keeps_its_styles_without_a_csp_violation(browser, server):
    context, page, _ = open_page(browser, server + "/map")
    try:
        colour = page.eval_on_selector(".legend .menu", "element => getComputedStyle(element).backgroundColor")
        assert colour == "rgb(232, 241, 251)"
        assert page.evaluate("window.cspViolations") == []
    finally:
        context.close()
