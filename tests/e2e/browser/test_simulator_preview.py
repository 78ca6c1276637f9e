"""The simulator's preview in Chromium: the draft is called and marked as such, and an open page learns of a publish."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.browser.test_operator_versions import NEW_GREETING, ivr, published  # noqa: F401  (fixture)

DRAFT_GREETING = "您好，这里是热线的草稿。"


def test_the_draft_is_called_marked_as_a_preview_and_a_publish_shows_a_banner(browser, published):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(published.url + "/simulator")
        page.wait_for_selector("body[data-ready='1']")
        page.set_checked("#fast", True)
        page.set_checked("#mute", True)
        expect(page.locator("#preview")).to_have_attribute("data-mode", "serving")
        expect(page.locator("#preview-mark")).to_contain_text("正在服务的版本（第 2 版）")

        menus = published.folder / "prompts" / "menus.yaml"
        menus.write_text(menus.read_text(encoding="utf-8").replace(NEW_GREETING, DRAFT_GREETING), encoding="utf-8")
        page.select_option("#preview-version", "draft")
        expect(page.locator("#preview")).to_have_attribute("data-mode", "preview")
        expect(page.locator("#preview-mark")).to_contain_text("草稿")
        expect(page.locator("#preview-mark")).to_contain_text("来电人听到的仍是第 2 版")
        page.click("#call")
        expect(page.locator("#transcript")).to_contain_text(DRAFT_GREETING)
        page.click("#hangup")

        # Published from the command line while the page is open: the banner comes without a reload.
        expect(page.locator("#new-version")).to_be_hidden()
        ivr(published.env, "publish", "-m", "the draft greeting")
        # The page polls every few seconds, and a loaded machine may need more than 5 s to serve the new version.
        expect(page.locator("#new-version")).to_be_visible(timeout=15_000)
        expect(page.locator("#new-version")).to_contain_text("第 3 版")
        expect(page.locator("#preview-mark")).to_contain_text("来电人听到的仍是第 3 版")
    finally:
        context.close()
