"""/healthz (the process answers) and /readyz (database, cache and Clients API), as a load
balancer calls them: no sign-in, nothing personal or secret, never cached."""

import json
import threading
import time

from django.core.cache import cache
from django.db import OperationalError, connections
from django.test import Client

from dashboard.monitoring.health import api_probe
from tests.canary import CANARY
from tests.processes import free_port
from tests.test_settings import manage

CHECKS = {"database", "cache", "api"}
CHECK_FIELDS = {"ok", "ms", "error", "cached"}


def never_cached(response) -> bool:
    directives = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    return "no-store" in directives


def readyz(client: Client | None = None):
    return (client or Client()).get("/readyz")


def assert_plain_report(body: dict) -> None:
    """Only the report's own words: nothing from a client, the API or the settings."""
    assert set(body) <= {"status", "checks", "failed"}
    assert set(body["checks"]) == CHECKS
    for check in body["checks"].values():
        assert set(check) <= CHECK_FIELDS
        assert isinstance(check["ok"], bool)
        assert isinstance(check["ms"], float) and check["ms"] >= 0
        assert check.get("error") in (
            None,
            "unavailable",
            "misconfigured",
            "rate limited",
            "bad response",
            "a value written was not read back",
        )


# --- /healthz --------------------------------------------------------------------------


def test_healthz_answers_without_the_database_the_api_or_a_session(client, settings):
    # No `db` fixture: any query fails the request. A signed-in browser's cookie would
    # make the session middleware read (and save) the session: it must not run.
    settings.API_BASE_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens
    client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert never_cached(response)
    assert "Set-Cookie" not in response.headers


def test_healthz_is_public_and_read_only(db):
    assert Client().head("/healthz").status_code == 200
    assert Client().post("/healthz").status_code == 405


# --- /readyz ---------------------------------------------------------------------------


def test_readyz_is_200_when_everything_holds(db, sandbox):
    response = readyz()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert "failed" not in body
    assert {name: check["ok"] for name, check in body["checks"].items()} == dict.fromkeys(
        CHECKS, True
    )
    assert_plain_report(body)
    assert never_cached(response)


def test_readyz_names_the_database_when_it_fails(db, sandbox, monkeypatch, settings):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server failed")

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32  # no session read: it would fail
    with monkeypatch.context() as patched:  # only for the request: the test's teardown queries
        patched.setattr(connections["default"], "cursor", refuse)
        response = readyz(client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failed"] == ["database"]
    assert body["checks"]["database"]["error"] == "unavailable"
    assert body["checks"]["cache"]["ok"] and body["checks"]["api"]["ok"]
    assert_plain_report(body)
    assert never_cached(response)


def test_readyz_names_a_cache_that_loses_what_is_written(db, sandbox, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response = readyz()
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["cache"]
    assert body["checks"]["cache"]["error"] == "a value written was not read back"
    assert_plain_report(body)


def test_readyz_names_a_cache_that_raises(db, sandbox, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(cache, "set", unreachable)
    response = readyz()
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]


def test_readyz_names_an_api_it_cannot_reach(db, settings):
    settings.API_BASE_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens
    settings.API_BACKOFF = 0
    response = readyz()
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["api"]
    assert body["checks"]["api"]["error"] == "unavailable"
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert_plain_report(body)


def test_readyz_names_an_api_that_refuses_the_key(db, sandbox, settings):
    settings.API_SECRET_KEY = "sk_not_the_sandbox_key"
    response = readyz()
    assert response.status_code == 503
    assert response.json()["checks"]["api"]["error"] == "misconfigured"
    assert "sk_not_the_sandbox_key" not in response.content.decode()


def test_probes_show_no_secret_and_no_personal_data(db, sandbox, settings):
    client = Client()
    for path in ("/healthz", "/readyz"):
        text = client.get(path).content.decode()
        for private in (CANARY, settings.SECRET_KEY, sandbox.url, "CL-0", "@"):
            assert private not in text, (path, private)


def test_the_api_probe_is_one_light_call(db, sandbox):
    readyz()
    [call] = sandbox.received()
    assert (call["method"], call["path"], call["query"]) == (
        "GET",
        "/v1/clients",
        {"page": "1", "perPage": "1"},
    )


def test_the_api_probe_is_not_repeated_within_its_window(db, sandbox, settings):
    settings.READYZ_API_CACHE_SECONDS = 60
    bodies = [readyz().json() for _ in range(5)]
    assert len(sandbox.received()) == 1
    assert [body["checks"]["api"].get("cached", False) for body in bodies] == [
        False,
        True,
        True,
        True,
        True,
    ]
    assert all(body["status"] == "ok" for body in bodies)


def test_the_api_probe_is_repeated_once_its_window_has_passed(db, sandbox, settings):
    settings.READYZ_API_CACHE_SECONDS = 0
    for _ in range(3):
        readyz()
    assert len(sandbox.received()) == 3


def test_a_failed_probe_is_remembered_too(db, sandbox, settings):
    settings.READYZ_API_CACHE_SECONDS = 60
    sandbox.set_faults(error_rate=1, error_status=503)
    statuses = [readyz().status_code for _ in range(3)]
    assert statuses == [503, 503, 503]
    assert len(sandbox.received()) == settings.API_ATTEMPTS  # one probe, its retries


def test_while_a_probe_hangs_other_checks_answer_with_the_last_result(db, sandbox, settings):
    settings.READYZ_API_CACHE_SECONDS = 0
    assert readyz().status_code == 200  # a first result to fall back on
    sandbox.forget_received()
    sandbox.set_faults(latency_ms=1500)

    def slow_check() -> None:
        readyz()
        connections.close_all()  # this thread's own database connection

    slow = threading.Thread(target=slow_check)
    slow.start()
    deadline = time.monotonic() + 5
    while not api_probe.lock.locked():  # the slow probe is under way
        assert time.monotonic() < deadline, "the probe did not start"
        time.sleep(0.01)
    started = time.monotonic()
    response = readyz()
    assert time.monotonic() - started < 1  # did not wait for the slow probe
    remembered = response.json()["checks"]["api"]
    assert remembered["ok"] is True and remembered["cached"] is True
    slow.join(timeout=10)
    assert len(sandbox.received()) == 1


def test_probes_answer_plain_http_behind_a_tls_proxy(db, sandbox, settings):
    # A load balancer asks each instance directly, without the proxy's X-Forwarded-Proto.
    production = manage(
        "shell",
        "-c",
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.SECURE_REDIRECT_EXEMPT))",
        BEHIND_TLS_PROXY="True",
    )
    assert production.returncode == 0, production.stderr
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = json.loads(production.stdout.splitlines()[-1])
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/readyz").status_code == 200
    assert Client().get("/accounts/login/").status_code == 301
