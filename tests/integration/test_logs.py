"""Log lines: JSON with the CallSid, the menu node and the latency of each request; ID numbers never in the clear."""

from __future__ import annotations

import io
import json
import logging

import pytest

from ivr.web import logs

RETIREE_ID = "110101196106080024"


@pytest.fixture
def json_lines():
    """Every line logged during the test, as the JSON objects a log collector would read."""
    stream = io.StringIO()
    level = logging.getLogger().level
    handler = logs.configure("json", "INFO", stream=stream, force=True)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(level)


def test_each_request_is_one_json_line_with_call_sid_node_and_latency(caller, json_lines):
    call = caller()
    call.dial()
    call.press("1")
    requests = [line for line in json_lines() if line["logger"] == "ivr.requests"]
    assert [(r["path"], r["node"], r["status"]) for r in requests] == [
        ("/voice", "main", 200), ("/voice/step", "ask_id", 200)]
    for line in requests:
        assert line["call_sid"] == call.call_sid
        assert line["level"] == "INFO"
        assert isinstance(line["latency_ms"], float) and line["latency_ms"] >= 0


def test_id_numbers_and_passwords_never_reach_the_log(caller, json_lines):
    call = caller()
    call.dial()
    call.press("1")
    call.press(RETIREE_ID + "#")
    call.press("111111#")
    text = json.dumps(json_lines(), ensure_ascii=False)
    assert RETIREE_ID not in text
    assert "111111" not in text
    assert call.call_sid in text


def test_an_id_number_said_aloud_never_reaches_the_log(caller, json_lines):
    call = caller()
    call.dial()
    call.press("1")
    call.say("幺幺零幺零幺，一九六幺零六零八，零零两四")
    call.say("对")
    call.press("111111")
    text = json.dumps(json_lines(), ensure_ascii=False)
    assert "幺幺零幺零幺" not in text and "一九六幺零六零八" not in text and RETIREE_ID not in text
    assert call.call_sid in text


def test_an_error_quoting_an_id_number_is_logged_masked(app, caller, json_lines, monkeypatch):
    store = app.extensions["ivr.store"]

    def broken(id_number):
        raise RuntimeError(f"no row for parameters ('{id_number}',)")

    monkeypatch.setattr(store, "reference", broken)
    call = caller()
    call.dial()
    call.press("1")
    call.press(RETIREE_ID + "#")
    errors = [line for line in json_lines() if line["level"] == "ERROR"]
    assert errors, "the failure was not logged"
    text = json.dumps(errors, ensure_ascii=False)
    assert RETIREE_ID not in text
    assert "110101********0024" in text
    assert all(line["call_sid"] == call.call_sid for line in errors)


def test_text_lines_for_a_terminal_carry_the_call_sid_too(caller):
    stream = io.StringIO()
    handler = logs.configure("text", "INFO", stream=stream, force=True)
    try:
        call = caller()
        call.dial()
    finally:
        logging.getLogger().removeHandler(handler)
    line = next(line for line in stream.getvalue().splitlines() if "ivr.requests" in line)
    assert "POST /voice 200" in line and "node=main" in line and f"[{call.call_sid}]" in line


def test_a_log_format_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="text or json"):
        logs.configure("xml", force=True)


@pytest.mark.parametrize("text, expected", [
    ("id 110101196106080024 here", "id 110101********0024 here"),
    ("ends in X: 11010519491231002X.", "ends in X: 110105********002X."),
    ("CA00000000000000000000000000000001 stays", "CA00000000000000000000000000000001 stays"),
    ("latency 12.3 ms at 2026-11-22 07:12:24,036", "latency 12.3 ms at 2026-11-22 07:12:24,036"),
    # An ID number said aloud, as a recogniser writes it: Chinese digits (with yao, liang, dong), spaced digits, cha.
    ("heard 幺幺零幺零幺，一九六幺零六零八，零零两四。", "heard " + "*" * 20 + "。"),
    ("heard 1101011961 0608 002X", "heard " + "*" * 20),
    ("heard 一一零一零五一九四九一二三一零零二叉", "heard " + "*" * 18),
    ("我想查一下余额，再说一遍", "我想查一下余额，再说一遍"),
    ("amount 123456 yuan", "amount 123456 yuan"),
])
def test_mask_ids(text, expected):
    assert logs.mask_ids(text) == expected


def test_a_handler_someone_else_installed_gets_masked_lines_too(app, caller, monkeypatch):
    """Gunicorn's logconfig_dict puts its own handler and formatter on the root logger; masking must not need ours."""
    from pythonjsonlogger.json import JsonFormatter

    stream = io.StringIO()
    foreign = logging.StreamHandler(stream)
    foreign.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(foreign)
    store = app.extensions["ivr.store"]

    def broken(reference, records=True):
        # The store is asked by keyed reference; a database error may still quote the ID number it joined on.
        raise RuntimeError(f"no row for parameters ('{RETIREE_ID}',)")

    monkeypatch.setattr(store, "account", broken)
    try:
        call = caller()
        call.dial()
        call.press("1")
        call.press(RETIREE_ID + "#")
        # The balance is read once the password is right: that is where the store fails.
        call.press("111111#")
        logging.getLogger("ivr.test").warning("extra fields too", extra={"detail": f"id {RETIREE_ID}"})
    finally:
        root.removeHandler(foreign)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert any("step failed" in line["message"] and "110101********0024" in line["exc_info"] for line in lines)
    assert any(line.get("call_sid") == call.call_sid for line in lines)
    assert any(line.get("detail") == "id 110101********0024" for line in lines)
    assert RETIREE_ID not in stream.getvalue()
