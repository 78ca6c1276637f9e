"""Log lines as text or JSON, each with the call's CallSid and ID numbers masked, whoever writes them out."""

from __future__ import annotations

import logging
import re
import sys
import time

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from ivr.core.idnumber import mask
from ivr.telephony.flow import CALL_SID, StepRecord

log = logging.getLogger("ivr.requests")

# Fifteen to eighteen digits (the last may be X) standing alone: an ID number, whatever message or traceback
# (an SQL error quoting its parameters, say) it turns up in.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{14,17}[0-9Xx](?![0-9A-Za-z])")
# Six or more digits said aloud, as a recogniser writes them (Chinese digits with the radio forms yao, liang and dong,
# Arabic digits, and X or cha), separated by at most spaces and commas (a comma of either width or a dun hao): what may be part of an ID number said to the
# hotline. Everyday text holds no such run, so it is masked wholesale, whatever the message.
_SAID_DIGIT = "[0-9\u96f6\u4e00\u4e8c\u4e09\u56db\u4e94\u516d\u4e03\u516b\u4e5d\u5e7a\u4e24\u6d1e\u3007\u53c9Xx]"
SPOKEN_DIGITS = re.compile(f"{_SAID_DIGIT}(?:[ ,\\u3001\\uff0c]*{_SAID_DIGIT}){{5,}}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def mask_ids(text: str) -> str:
    text = ID_NUMBER.sub(lambda match: mask(match[0]), text)
    return SPOKEN_DIGITS.sub(_mask_spoken, text)


def _mask_spoken(match: re.Match) -> str:
    said = match[0]
    # One run of keyed digits is ID_NUMBER's business (a sum or a count is no ID number); digits said aloud are not.
    if said.isascii() and said.isalnum():
        return said
    return "*" * len(said)


# The attributes every LogRecord has; any other string attribute came from `extra=` and is masked as well.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_TRACEBACKS = logging.Formatter()


def mask_record(record: logging.LogRecord) -> None:
    """Mask every ID number in the record's message, traceback and stack, in place (MaskedRecord does its fields).

    Formatters are chosen by whoever installs the handlers (gunicorn's logconfig_dict, a test runner), so the
    masking cannot live in one of them: it is done once, when the record is made, and every handler gets it masked.
    """
    try:
        message = record.getMessage()
    except Exception:
        # Arguments that do not fit the message would be printed raw by logging's error report.
        message = f"{record.msg} (arguments: {record.args!r})"
    masked = mask_ids(message)
    if masked != message:
        record.msg, record.args = masked, ()
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        trace = _TRACEBACKS.formatException(record.exc_info)
        if mask_ids(trace) != trace:
            # Formatters print exc_text when exc_info is gone instead of formatting the exception again.
            record.exc_text, record.exc_info = mask_ids(trace), None
    elif record.exc_text:
        record.exc_text = mask_ids(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_ids(record.stack_info)


class MaskedRecord(logging.LogRecord):
    """A record whose `extra=` fields are masked too: they are added after the factory ran, before any formatting."""

    def getMessage(self) -> str:
        # Every formatter (logging's, python-json-logger's) asks for the message before it reads the fields.
        for name, value in list(vars(self).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(self, name, mask_ids(value))
        return super().getMessage()


def add_call_sid(record: logging.LogRecord) -> None:
    """The CallSid of the webhook request being served, if any, on every line logged while serving it."""
    if not hasattr(record, "call_sid") and has_request_context():
        sid = g.get("ivr_call_sid")
        if sid:
            record.call_sid = sid


def install_record_factory() -> None:
    """Make every LogRecord of this process go through mask_record and add_call_sid; calling it again does nothing."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "ivr_masking", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if type(record) is logging.LogRecord:
            record.__class__ = MaskedRecord
        add_call_sid(record)
        mask_record(record)
        return record

    factory.ivr_masking = True
    logging.setLogRecordFactory(factory)


class CallSidTextFormatter(logging.Formatter):
    """Plain lines for a terminal, the CallSid appended to the first line of any that do not name it."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        sid = getattr(record, "call_sid", None)
        if sid and sid not in text:
            first, newline, rest = text.partition("\n")
            text = f"{first} [{sid}]{newline}{rest}"
        return text


def formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter(JSON_FORMAT, rename_fields={"levelname": "level", "name": "logger"}, json_ensure_ascii=False)
    return CallSidTextFormatter(TEXT_FORMAT)


def configure(fmt: str = "text", level: str = "INFO", stream=None, force: bool = False) -> logging.Handler | None:
    """Send the root logger's lines to stderr in the given format; calling it again replaces the earlier handler.

    Like logging.basicConfig, it leaves alone a root logger that something else (gunicorn, a test runner) already
    set up; the lines are masked all the same (install_record_factory).
    """
    install_record_factory()
    if fmt not in ("text", "json"):
        raise ValueError(f"IVR_LOG_FORMAT must be text or json, not {fmt!r}")
    root = logging.getLogger()
    if not force and any(not getattr(h, "ivr_handler", False) for h in root.handlers):
        return None
    for handler in [h for h in root.handlers if getattr(h, "ivr_handler", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.ivr_handler = True
    handler.setFormatter(formatter(fmt))
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    return handler


def init_app(app: Flask) -> None:
    """Time every request of the pages' app and log it; the webhooks' app (ivr.web.webhook_app) calls time_requests
    itself. Each step's menu node is put on the line of the request that took it."""

    def observe(step: StepRecord) -> None:
        if has_request_context():
            g.ivr_node = step.node

    app.extensions["ivr.flow"].observers.append(observe)
    time_requests(app, calls=False)


def time_requests(app: Flask, calls: bool = True) -> None:
    """Time every request of `app` and log it with the menu node it ended at and its latency, and, for an app that
    answers calls (the webhooks'), with its CallSid."""

    @app.before_request
    def start_timer():
        g.ivr_started = time.perf_counter()
        if calls:
            sid = request.form.get("CallSid", "")
            if CALL_SID.match(sid):
                g.ivr_call_sid = sid

    @app.after_request
    def log_request(response):
        started = g.get("ivr_started")
        # The line's parts (the full path above all) cost more than the line itself: none are made when no line is.
        if started is not None and request.path != "/metrics" and log.isEnabledFor(logging.INFO):
            latency = round((time.perf_counter() - started) * 1000, 1)
            node = g.get("ivr_node")
            log.info("%s %s %s %.1f ms%s", request.method, request.full_path.rstrip("?"), response.status_code,
                     latency, f" node={node}" if node else "",
                     extra={"method": request.method, "path": request.path, "status": response.status_code,
                            "latency_ms": latency, "node": node, "endpoint": request.endpoint})
        return response
