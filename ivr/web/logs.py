"""Log lines as text or JSON, each carrying the call's CallSid, with ID numbers masked; one line per request."""

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
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def mask_ids(text: str) -> str:
    return ID_NUMBER.sub(lambda match: mask(match[0]), text)


class MaskingTextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        sid = getattr(record, "call_sid", None)
        if sid and sid not in text:
            first, newline, rest = text.partition("\n")
            text = f"{first} [{sid}]{newline}{rest}"
        return mask_ids(text)


class MaskingJsonFormatter(JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_ids(super().format(record))


class CallContext(logging.Filter):
    """Adds the CallSid of the webhook request being served, if any, to every line logged while serving it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "call_sid") and has_request_context():
            sid = g.get("ivr_call_sid")
            if sid:
                record.call_sid = sid
        return True


def formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return MaskingJsonFormatter(JSON_FORMAT, rename_fields={"levelname": "level", "name": "logger"},
                                    json_ensure_ascii=False)
    return MaskingTextFormatter(TEXT_FORMAT)


def configure(fmt: str = "text", level: str = "INFO", stream=None, force: bool = False) -> logging.Handler | None:
    """Send the root logger's lines to stderr in the given format; calling it again replaces the earlier handler.

    Like logging.basicConfig, it leaves alone a root logger that something else (a test runner) already set up.
    """
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
    handler.addFilter(CallContext())
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    return handler


def init_app(app: Flask) -> None:
    """Time every request and log it with its CallSid, the menu node it ended at, and its latency."""

    def observe(step: StepRecord) -> None:
        if has_request_context():
            g.ivr_node = step.node

    app.extensions["ivr.flow"].observers.append(observe)

    @app.before_request
    def start_timer():
        g.ivr_started = time.perf_counter()
        if request.path.startswith("/voice"):
            sid = request.form.get("CallSid", "")
            if CALL_SID.match(sid):
                g.ivr_call_sid = sid

    @app.after_request
    def log_request(response):
        started = g.get("ivr_started")
        if started is not None and request.path != "/metrics":
            latency = round((time.perf_counter() - started) * 1000, 1)
            node = g.get("ivr_node")
            log.info("%s %s %s %.1f ms%s", request.method, request.full_path.rstrip("?"), response.status_code,
                     latency, f" node={node}" if node else "",
                     extra={"method": request.method, "path": request.path, "status": response.status_code,
                            "latency_ms": latency, "node": node, "endpoint": request.endpoint})
        return response
