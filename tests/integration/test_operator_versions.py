"""The operator page's versions: the list, each one's changes, a rollback behind the password and a form token, and
the publish log that every publish and rollback writes, from the command and from the page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import create_engine, select

from ivr import create_app
from ivr.storage.schema import publish_log
from tests.conftest import TOKEN
from tests.integration.test_operator import PASSWORD, auth
from tests.integration.test_publish import GREETING, NEW_GREETING, database, edit, ivr, project  # noqa: F401
from tests.services import postgres_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("project")


@pytest.fixture
def app(project, clock):
    """The app on the project's files and database, with two versions published by the command."""
    assert ivr("publish", "-m", "as shipped").exit_code == 0
    edit(project / "prompts" / "menus.yaml", GREETING, NEW_GREETING)
    edit(project / "prompts" / "scenarios" / "greeting.yaml", GREETING, NEW_GREETING)
    assert ivr("publish", "-m", "a warmer greeting", "--author", "王芳").exit_code == 0
    app = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "CLOCK": clock, "IVR_RELOAD_SECONDS": "0",
                      "IVR_PUBLISH_SAVES": "0", "IVR_OPERATOR_PASSWORD": PASSWORD})
    yield app
    app.extensions["ivr.store"].close()


def get(client, path: str, status: int = 200) -> str:
    response = client.get(path, headers=auth(PASSWORD, user="li"))
    assert response.status_code == status
    return response.get_data(as_text=True)


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def html_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def rows(html: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[html_text(cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_the_page_lists_versions_newest_first_with_time_author_and_message(app):
    client = app.test_client()
    for path in ("/operator", "/operator/versions"):
        listed = rows(get(client, path), "versions")
        assert [row[0] for row in listed] == ["2（正在服务）", "1"]
        assert listed[0][2:4] == ["王芳", "a warmer greeting"] and listed[1][2:4] == ["operator-a", "as shipped"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", listed[0][1])


def test_each_version_shows_what_it_changed_against_the_one_before(app):
    html = get(app.test_client(), "/operator/versions/2")
    diff = html_text(re.search(r'<pre class="diff" id="diff">(.*?)</pre>', html, re.S).group(1))
    assert f'-    greeting: "{GREETING}"' in diff and f'+    greeting: "{NEW_GREETING}"' in diff
    assert "比第 1 版改了什么" in html
    get(app.test_client(), "/operator/versions/9", status=404)


def test_a_rollback_from_the_page_needs_the_password_and_the_form_token(app, project):
    client = app.test_client()
    form = get(client, "/operator/versions/1")
    assert client.post("/operator/versions/1/rollback", data={"csrf_token": token(form)}).status_code == 401
    refused = client.post("/operator/versions/1/rollback", data={"message": "x"}, headers=auth(PASSWORD))
    assert refused.status_code == 400
    assert [row[0] for row in rows(get(client, "/operator/versions"), "versions")][0] == "2（正在服务）"

    # Today's scenario expects the greeting of version 1 again, so the rollback passes its tests.
    edit(project / "prompts" / "scenarios" / "greeting.yaml", NEW_GREETING, GREETING)
    done = client.post("/operator/versions/1/rollback", data={"csrf_token": token(form), "message": "太长了"},
                       headers=auth(PASSWORD, user="li"))
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "已回滚到第 1 版" in done.get_data(as_text=True)
    listed = rows(get(client, "/operator/versions"), "versions")
    assert listed[0][0] == "3（正在服务）" and listed[0][2:4] == ["li (operator page)", "太长了"]
    assert ivr("diff", "1", "3").output.strip().endswith("have exactly the same files.")


def test_a_rollback_that_fails_todays_scenarios_changes_nothing(app):
    client = app.test_client()
    form = get(client, "/operator/versions/1")
    refused = client.post("/operator/versions/1/rollback", data={"csrf_token": token(form)}, headers=auth(PASSWORD))
    assert refused.status_code == 409
    assert "没有回滚" in refused.get_data(as_text=True) and "FAIL" in refused.get_data(as_text=True)
    assert len(rows(get(client, "/operator/versions"), "versions")) == 2


def test_every_publish_and_rollback_is_in_the_log_with_who_when_and_where(app, project, database):
    client = app.test_client()
    edit(project / "prompts" / "scenarios" / "greeting.yaml", NEW_GREETING, GREETING)
    assert ivr("rollback", "1", "-m", "from the shell").exit_code == 0
    form = get(client, "/operator/versions/2")
    edit(project / "prompts" / "scenarios" / "greeting.yaml", GREETING, NEW_GREETING)
    assert client.post("/operator/versions/2/rollback", data={"csrf_token": token(form)},
                       headers=auth(PASSWORD, user="li")).status_code == 200
    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            logged = conn.execute(select(publish_log).order_by(publish_log.c.id)).all()
    finally:
        engine.dispose()
    assert [(row.who, row.action, row.number, row.source, row.via) for row in logged] == [
        ("operator-a", "publish", 1, None, "command"),
        ("王芳", "publish", 2, None, "command"),
        ("operator-a", "rollback", 3, 1, "command"),
        ("li (operator page)", "rollback", 4, 2, "page"),
    ]
    assert all(row.at is not None for row in logged)
    shown = rows(get(client, "/operator/versions"), "log")
    assert shown[0][:4] == [shown[0][0], "li (operator page)", "回滚到第 2 版（rollback）", "4"]
    assert shown[0][4] == "运营页面（page）" and shown[-1][2] == "发布（publish）"
