"""gunicorn's configuration (dashboard/gunicorn_conf.py): figures from the environment, the
same defaults as the settings, a timeout above the page budget, and an access log with the
request id and without client data."""

import gc
import importlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import gunicorn_conf
from tests.processes import start_dashboard

ROOT = Path(__file__).resolve().parent.parent
VARIABLES = ("WEB_CONCURRENCY", "GUNICORN_THREADS", "API_REQUEST_BUDGET", "API_CONCURRENT_CALLS")


@pytest.fixture
def configured(monkeypatch):
    """gunicorn_conf as loaded with `variables` in the environment (and no others of its own)."""

    def load(**variables: str):
        for name in VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(gunicorn_conf)

    yield load
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    importlib.reload(gunicorn_conf)


def test_the_defaults_suit_a_two_core_instance(configured):
    conf = configured()
    assert (conf.worker_class, conf.workers, conf.threads) == ("gthread", 2, 8)
    assert conf.timeout == conf.graceful_timeout == 25  # the 15 s page budget + 10


def test_workers_threads_and_timeout_come_from_the_environment(configured):
    conf = configured(WEB_CONCURRENCY="3", GUNICORN_THREADS="12", API_REQUEST_BUDGET="40.5")
    assert (conf.workers, conf.threads) == (3, 12)
    assert conf.timeout == conf.graceful_timeout == 51


def test_the_config_reads_the_settings_own_defaults():
    # Each in a bare environment: what settings.py and the config make of nothing.
    show = (
        "import json; from dashboard import gunicorn_conf as g, settings as s; "
        "print(json.dumps([g.API_REQUEST_BUDGET, s.API_REQUEST_BUDGET, "
        "g.API_CONCURRENT_CALLS, s.API_CONCURRENT_CALLS]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", show],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DEBUG": "True"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    budget, settings_budget, calls, settings_calls = json.loads(result.stdout)
    assert budget == settings_budget and calls == settings_calls


def test_more_concurrent_api_calls_than_threads_is_warned_about(configured, caplog):
    class Server:
        log = logging.getLogger("gunicorn.error")

    def warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "gunicorn.error"]

    configured(GUNICORN_THREADS="6", API_CONCURRENT_CALLS="6").when_ready(Server)
    assert "should stay below the threads per worker (6)" in warnings()[0]
    caplog.clear()
    configured().when_ready(Server)
    assert warnings() == []


def test_each_worker_freezes_what_loading_the_app_made(configured):
    try:
        configured().post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_gunicorn_takes_the_file_and_its_command_line_wins():
    command = [sys.executable, "-m", "gunicorn", "-c", "python:dashboard.gunicorn_conf"]
    result = subprocess.run(
        [*command, "--threads", "3", "--print-config", "dashboard.wsgi:application"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DEBUG": "True", "WEB_CONCURRENCY": "4"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    printed = dict(
        (name.strip(), value.strip())
        for name, value in (
            line.split("=", 1) for line in result.stdout.splitlines() if "=" in line
        )
    )
    assert printed["worker_class"] == "gthread"
    assert printed["workers"] == "4"
    assert printed["threads"] == "3"
    assert printed["timeout"] == "25"


def test_the_access_log_has_the_request_id_and_no_client_data(sandbox, tmp_path):
    dashboard = start_dashboard(
        tmp_path,
        api_url=sandbox.url,
        api_key=sandbox.api_key,
        staff={"vera": "Viewer"},
        access_log=True,
    )
    try:
        session = dashboard.signed_in("vera", "a-long-test-password")
        request_id = "proxy-given-0123456789"
        response = session.get(
            f"{dashboard.url}/clients/CL-000042/?q=Adebayo",
            headers={"X-Request-ID": request_id},
            timeout=10,
        )
        assert response.status_code == 200
    finally:
        dashboard.stop()  # flushes the log
    lines = dashboard.access_log.read_text().splitlines()
    line = next(line for line in lines if f"request_id={request_id} " in line)
    assert "method=GET status=200" in line
    assert "CL-000042" not in line and "Adebayo" not in line
