"""gunicorn's configuration, as production runs the dashboard:

    gunicorn -c python:dashboard.gunicorn_conf dashboard.wsgi:application --bind 0.0.0.0:8000

Figures come from the environment (or `.env`, read as the settings read it); options
given on gunicorn's command line or in GUNICORN_CMD_ARGS win over this file.
"""

import gc
import math
from pathlib import Path

import environ

# Not dashboard.settings: gunicorn's master process never loads Django.
env = environ.Env()
environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env")  # a missing file is fine

# Threads, not processes, for concurrency: a page spends most of its time waiting on the
# API, and threads share one copy of the app. Two processes, so one busy with a CSV
# export or restarting never leaves an instance without a worker.
worker_class = "gthread"
workers = env.int("WEB_CONCURRENCY", default=2)
threads = env.int("GUNICORN_THREADS", default=8)

# The same variables and defaults as settings.py (tests/test_gunicorn_conf.py checks).
API_REQUEST_BUDGET = env.float("API_REQUEST_BUDGET", default=15.0)
API_CONCURRENT_CALLS = env.int("API_CONCURRENT_CALLS", default=6)

# A page waits on the API for API_REQUEST_BUDGET at most; this margin covers the rest of
# its work (database, rendering). A gthread worker's own loop answers gunicorn's
# heartbeat while its threads wait, so this catches a process that hangs as a whole.
timeout = math.ceil(API_REQUEST_BUDGET) + 10
# A restart (SIGTERM, SIGHUP) lets requests in flight finish: any page within the
# budget; a long CSV export still running then is cut (the browser reports it failed).
graceful_timeout = timeout

# The dashboard writes one line per request itself (monitoring/tracing.py: route, user,
# status, time, API calls). gunicorn's own access line, on with GUNICORN_ACCESS_LOG=true,
# adds the remote address and bytes sent, on stdout, tied to the first by the request id;
# no path, query or referrer: they hold client references and search terms.
accesslog = "-" if env.bool("GUNICORN_ACCESS_LOG", default=False) else None
access_log_format = (
    "request_id=%({x-request-id}o)s remote=%(h)s method=%(m)s status=%(s)s bytes=%(B)s ms=%(M)s"
)


def when_ready(server) -> None:
    if threads <= API_CONCURRENT_CALLS:
        server.log.warning(
            "API_CONCURRENT_CALLS (%s) should stay below the threads per worker (%s): "
            "a slow API would otherwise hold every thread, and pages that do not need it "
            "would wait too. Raise GUNICORN_THREADS or lower API_CONCURRENT_CALLS.",
            API_CONCURRENT_CALLS,
            threads,
        )


def post_worker_init(worker) -> None:
    # The app is loaded: what it made lives as long as the worker. Frozen, it is no
    # longer scanned by the collector, whose full collections stall every thread of the
    # worker: 40-100 ms each without this, 6-30 ms with it (README, Performance).
    gc.collect()
    gc.freeze()
