"""PostgreSQL: servers starting together migrate once, and the `ivr` commands work against it."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import create_engine, func, select

from ivr.cli import main
from ivr.storage import migrate
from ivr.storage.schema import accounts, locks
from tests.integration.test_store import DEMO, start_together
from tests.services import postgres_url  # noqa: F401  (fixture)


def count(url: str, table) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        engine.dispose()


def test_servers_starting_together_migrate_and_load_the_demo_once(postgres_url):
    assert start_together(3, {"DATABASE_URL": postgres_url}) == [str(len(DEMO))] * 3
    engine = create_engine(postgres_url)
    assert migrate.current(engine) == migrate.head()
    engine.dispose()
    assert count(postgres_url, locks) == sum(a.locked for a in DEMO)


def test_db_upgrade_then_load_demo_into_postgres(postgres_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("IVR_LOAD_DEMO", "0")
    runner = CliRunner()
    upgraded = runner.invoke(main, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"is at revision {migrate.head()} (latest {migrate.head()})" in upgraded.output
    assert count(postgres_url, accounts) == 0
    loaded = runner.invoke(main, ["load-demo"])
    assert loaded.exit_code == 0, loaded.output
    assert f"loaded {len(DEMO)} accounts" in loaded.output
    assert count(postgres_url, accounts) == len(DEMO)
    again = runner.invoke(main, ["load-demo", "--replace"])
    assert again.exit_code == 0, again.output
    assert count(postgres_url, accounts) == len(DEMO)


def test_an_unreachable_database_is_a_plain_error(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/nowhere")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "cannot reach the database or Redis" in result.output
    assert "Traceback" not in result.output
