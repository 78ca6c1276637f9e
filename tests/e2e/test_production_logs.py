"""Production logs under gunicorn: whatever handlers gunicorn installs, no ID number reaches them in the clear."""

from __future__ import annotations

import json
import re

from sqlalchemy import create_engine, text

from ivr.tools.phone import Phone
from tests.conftest import TOKEN
from tests.e2e.production import (
    PUBLIC,
    Server,
    gunicorn,
    production_env,
    stop,
    wait_healthy,
)
from tests.servers import free_port
from tests.services import postgres_url  # noqa: F401  (fixture)

CALLER_ID, PASSWORD = "310104194809300043", "333333"
# Any run of eighteen digits (or seventeen and an X) standing alone, as an ID number is written.
EIGHTEEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def test_a_failing_request_logs_no_full_id_number(tmp_path, postgres_url):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    process = gunicorn(port, production_env(DATABASE_URL=postgres_url, TWILIO_AUTH_TOKEN=TOKEN), log)
    try:
        wait_healthy(port, process, log)
        # The payment records lose the column their query names: once the caller is verified, reading the records
        # fails as a bug would, quoting its parameters (the ID number) in the exception that the step's error handler
        # logs with its traceback.
        engine = create_engine(postgres_url)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE records RENAME COLUMN id_number TO id_number_gone"))
        engine.dispose()
        call = Phone(Server(port), TOKEN, base=PUBLIC)
        call.dial()
        call.press("2")
        call.press(CALLER_ID + "#")
        call.press(PASSWORD + "#")
        assert call.last_status == 200
    finally:
        stop(process)
    output = log.read_text()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    failures = [line for line in lines if line.get("level") == "ERROR"]
    assert failures, f"the failing step was not logged:\n{output}"
    assert "UndefinedColumn" in json.dumps(failures), "the failure logged is not the database error"
    assert "310104********0043" in output
    assert EIGHTEEN_DIGITS.findall(output) == []
