"""`ivr publish`, `ivr versions`, `ivr diff`, `ivr rollback` and `ivr test --version`, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select

from ivr.cli import main
from ivr.storage.schema import content_versions
from tests.services import postgres_url  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
GREETING = yaml.safe_load((ROOT / "prompts" / "menus.yaml").read_text(encoding="utf-8"))["nodes"]["main"]["greeting"]
NEW_GREETING = "您好，这里是医保服务热线。"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ivr.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def project(tmp_path, database, monkeypatch):
    """The operators' files in a folder of their own, with one scenario that hears the greeting, and a database."""
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    scenarios = tmp_path / "prompts" / "scenarios"
    scenarios.mkdir()
    (scenarios / "greeting.yaml").write_text(
        f'scenarios:\n  - name: greeting\n    call: "+861012393"\n    steps:\n      - hear: "{GREETING}"\n',
        encoding="utf-8")
    monkeypatch.setenv("IVR_PROMPTS", str(tmp_path / "prompts"))
    monkeypatch.setenv("IVR_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("USER", "operator-a")
    return tmp_path


def ivr(*args: str):
    return CliRunner().invoke(main, list(args))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def stored(database: str) -> int:
    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(content_versions)).scalar_one()
    finally:
        engine.dispose()


def test_publish_list_diff_and_roll_back(project, database):
    assert ivr("publish", "-m", "as shipped").exit_code == 0
    # The same files again are no new version.
    again = ivr("publish", "-m", "nothing new")
    assert again.exit_code == 0 and "version 1" in again.output
    assert stored(database) == 1
    edit(project / "prompts" / "menus.yaml", GREETING, NEW_GREETING)
    edit(project / "prompts" / "scenarios" / "greeting.yaml", GREETING, NEW_GREETING)
    published = ivr("publish", "-m", "a warmer greeting", "--author", "王芳")
    assert published.exit_code == 0, published.output
    assert "published version 2" in published.output

    listed = ivr("versions").output.splitlines()
    assert [line.split()[0] for line in listed] == ["2", "1"]
    assert "王芳: a warmer greeting" in listed[0] and listed[0].endswith("*")
    assert "operator-a: as shipped" in listed[1]

    changes = ivr("diff", "1", "2").output
    assert f'-    greeting: "{GREETING}"' in changes and f'+    greeting: "{NEW_GREETING}"' in changes
    assert "prompts/menus.yaml (version 1)" in changes

    edit(project / "prompts" / "scenarios" / "greeting.yaml", NEW_GREETING, GREETING)
    rolled = ivr("rollback", "1")
    assert rolled.exit_code == 0, rolled.output
    listed = ivr("versions").output.splitlines()
    assert listed[0].split()[0] == "3" and "rollback to version 1" in listed[0]
    # The same files make the same version: calls that started on version 1 are on version 3 as well.
    assert listed[0].split()[2] == listed[2].split()[2]
    assert ivr("diff", "1", "3").output.strip().endswith("have exactly the same files.")


def test_a_refused_publish_tells_file_and_line_and_changes_nothing(project, database):
    assert ivr("publish", "-m", "as shipped").exit_code == 0
    edit(project / "prompts" / "settings.yaml", "voice: Polly.Zhiyu", "voice: Polly.Joanna")
    refused = ivr("publish", "-m", "an English voice")
    assert refused.exit_code == 1
    assert "settings.yaml:6:10:" in refused.output and "Polly.Joanna" in refused.output
    assert "not published" in refused.output
    assert stored(database) == 1


def test_a_scenario_that_fails_refuses_the_publish(project, database):
    edit(project / "prompts" / "menus.yaml", GREETING, NEW_GREETING)
    refused = ivr("publish", "-m", "the scenario still expects the old greeting")
    assert refused.exit_code == 1
    assert "FAIL" in refused.output and "not published" in refused.output
    assert stored(database) == 0


def test_ivr_test_runs_on_a_published_version(project):
    assert ivr("publish", "-m", "as shipped").exit_code == 0
    edit(project / "prompts" / "menus.yaml", GREETING, NEW_GREETING)
    assert ivr("test").exit_code == 1
    assert ivr("test", "--version", "1").exit_code == 0
    assert ivr("test", "--version", "7").exit_code == 2


def test_an_unknown_version_is_told(project):
    assert ivr("rollback", "4").exit_code == 2
    assert "no version 1" in ivr("diff", "1", "4").output
    assert "no version has been published yet" in ivr("versions").output


def test_a_call_that_started_on_another_replica_finds_its_version_in_the_database(project, tmp_path, clock):
    """Replicas keep their own instance folders: a version another one published is read from the database."""
    import shutil as copying

    from ivr import create_app
    from ivr.tools.phone import Phone
    from tests.conftest import TOKEN

    assert ivr("publish", "-m", "as shipped").exit_code == 0
    app = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "CLOCK": clock, "IVR_RELOAD_SECONDS": "0",
                      "IVR_PUBLISH_SAVES": "0"})
    versions = app.extensions["ivr.versions"]
    first = versions().version
    edit(project / "prompts" / "menus.yaml", GREETING, NEW_GREETING)
    edit(project / "prompts" / "scenarios" / "greeting.yaml", GREETING, NEW_GREETING)
    assert ivr("publish", "-m", "a warmer greeting").exit_code == 0
    second = ivr("versions").output.splitlines()[0].split()[2]
    copying.rmtree(versions.archive / second, ignore_errors=True)
    versions._known.pop(second, None)
    assert versions(second).version == second != first
    assert versions(second).script.nodes["main"].greeting == NEW_GREETING
    # This replica itself still serves what it served: it was not told to look (IVR_RELOAD_SECONDS=0).
    assert versions().version == first
    assert GREETING in "".join(Phone(app.test_client(), TOKEN).dial())
    app.extensions["ivr.store"].close()
