"""Gunicorn settings for the hotline: `gunicorn -c deploy/gunicorn.conf.py 'ivr:create_app()'`.

Workers come from WEB_CONCURRENCY (gunicorn's own variable) or -w; everything else is fixed here so that
the deployment and the benchmark run the app under the same server settings.
"""

import os
import shutil
import sys
import tempfile

bind = "0.0.0.0:8000"
# Threads let a worker overlap database and Redis round trips; gthread also keeps connections alive.
worker_class = "gthread"
threads = 4
# Twilio gives up after 15 seconds, so a request that takes longer is already lost.
timeout = 15
graceful_timeout = 10
keepalive = 5
# The app writes its own request log (with CallSid, menu node and latency), so gunicorn's would only repeat it.
accesslog = None
errorlog = "-"

# Each worker writes its metrics into files in this folder and /metrics sums them, so every worker reports the
# totals of the whole server. It must be set before the workers import prometheus_client.
_own_metrics_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ivr-metrics-")

if os.environ.get("IVR_LOG_FORMAT") == "json":
    # Gunicorn's own messages (worker started, worker timed out) as JSON lines too.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter",
                                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                                "rename_fields": {"levelname": "level", "name": "logger"}}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }


def on_starting(server):
    """Refuse to start on wrong or missing settings or on broken prompts or data; then empty the metrics folder.

    Checked here, in the master, because a worker that fails to load the app makes gunicorn print a traceback per
    worker and exit with 3 (or start it again and again); an operator needs the lines that say what to fix.
    """
    from ivr.config import ConfigError, check, from_environment

    try:
        check(from_environment())
    except ConfigError as exc:
        server.log.error("error: %s", exc)
        sys.exit(2)
    _refuse_broken_files()
    # Files left by a previous run would be added to this one's totals.
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            os.unlink(path)


def _refuse_broken_files():
    """Exit with status 2 and the operator's file:line when the app could not start on prompts/ and data/.

    A worker that fails to boot would make gunicorn print a traceback and exit with status 3, or start it again
    and again; checking once in the master tells the operator what to fix instead.
    """
    from ivr.web.startup import startup_problems

    problems = startup_problems()
    if problems:
        print("\n".join(problems), file=sys.stderr, flush=True)
        if _own_metrics_dir:
            shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
        sys.exit(2)


def child_exit(server, worker):
    """A worker that died or was replaced keeps its counters but no longer reports live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
