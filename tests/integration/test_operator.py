"""The operator page: password protected, with call counts, the per-node funnel and the time to reach answers."""

from __future__ import annotations

import base64
import re

import pytest

from ivr import create_app
from ivr.tools.phone import Phone
from tests.conftest import TOKEN
from tests.services import postgres_url  # noqa: F401  (fixture)

PASSWORD = "correct horse 医保"


@pytest.fixture(params=["sqlite", "postgres"])
def app(request, tmp_path, clock):
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else f"sqlite:///{tmp_path / 'ivr.sqlite'}"
    app = create_app({
        "TESTING": True,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "DATABASE_URL": url,
        "CLOCK": clock,
        "IVR_OPERATOR_PASSWORD": PASSWORD,
    })
    yield app
    app.extensions["ivr.store"].close()


def auth(password: str, user: str = "operator") -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def page(client, query: str = "") -> str:
    response = client.get("/operator" + query, headers=auth(PASSWORD))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def cells(html: str, table: str, node: str) -> list[str]:
    body = re.search(rf'<table id="{table}">(.*?)</table>', html, re.S).group(1)
    row = re.search(rf'<tr data-node="{node}">(.*?)</tr>', body, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]


def figure(html: str, name: str) -> str:
    return re.search(rf'<div class="figure" id="{name}">.*?<strong>(.*?)</strong>', html, re.S).group(1)


def ended(call: Phone, seconds: int) -> None:
    assert call.post("/voice/status", call.params(CallStatus="completed", CallDuration=str(seconds))).status_code == 204


@pytest.fixture
def day_of_calls(client, clock):
    """Four calls: one hears its balance, one times out, one hangs up choosing a region, one is still going on."""
    balance = Phone(client, TOKEN)
    balance.dial()
    clock.advance(seconds=5)
    balance.press("1")
    clock.advance(seconds=20)
    balance.press("110101196106080024#")
    clock.advance(seconds=10)
    balance.press("111111#")
    assert "一千二百三十四元五角六分" in balance.said
    ended(balance, 50)

    silent = Phone(client, TOKEN)
    silent.dial()
    for _ in range(3):
        silent.silence()
    assert silent.hung_up
    ended(silent, 30)

    region = Phone(client, TOKEN)
    region.dial()
    region.press("3")
    ended(region, 10)

    Phone(client, TOKEN).dial()


def test_without_a_password_set_the_page_does_not_exist(tmp_path, clock):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "CLOCK": clock,
                      "IVR_OPERATOR_PASSWORD": ""})
    assert app.test_client().get("/operator", headers=auth("")).status_code == 404


@pytest.mark.parametrize("headers", [{}, auth("wrong"), auth(PASSWORD + " "), {"Authorization": "Basic !!!"},
                                     {"Authorization": "Bearer x"}])
def test_the_page_asks_for_the_password(client, headers):
    response = client.get("/operator", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert "来电" not in response.get_data(as_text=True)


def test_counts_funnel_and_time_to_answer(client, day_of_calls):
    html = page(client)
    assert figure(html, "calls") == "4"
    assert figure(html, "finished") == "3"
    assert figure(html, "answered") == "1"
    assert "占来电 25.0%" in html
    assert figure(html, "duration") == "30 秒"
    # Columns: node, type, visits, caller hung up, share, ended by the hotline.
    assert cells(html, "funnel", "main") == ["主菜单", "菜单", "4", "0", "0%", "1"]
    assert cells(html, "funnel", "ask_id") == ["输入身份证号", "按键输入", "1", "0", "0%", "0"]
    assert cells(html, "funnel", "balance") == ["账户余额", "查询结果", "1", "1", "100%", "0"]
    assert cells(html, "funnel", "rebate_where") == ["选择地区", "菜单", "1", "1", "100%", "0"]
    assert cells(html, "funnel", "payments")[2:4] == ["0", "0"]
    assert cells(html, "answers", "balance") == ["账户余额", "1", "35 秒", "35 秒", "35 秒"]
    assert 'data-node="payments"' not in re.search(r'<table id="answers">(.*?)</table>', html, re.S).group(1)


def test_the_period_leaves_out_older_calls(client, clock, day_of_calls):
    clock.advance(days=8)
    assert figure(page(client), "calls") == "0"
    assert "还没有来电听到查询结果" in page(client)
    assert figure(page(client, "?days=30"), "calls") == "4"


def test_a_strange_period_falls_back_without_an_error(client, day_of_calls):
    for days in ["", "0", "-3", "abc", "٣", "99999999999999999999", "1e3", "7&days=x"]:
        assert figure(page(client, f"?days={days}"), "calls") == "4", days
