"""Production as the README documents it: `check --deploy` is clean, HTTPS is enforced
behind the TLS proxy, the CSP switches to report-only on request, and gunicorn
started with DEBUG on says so loudly."""

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.processes import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def documented_production_environment() -> dict[str, str]:
    """The README's production environment block, its <placeholders> filled in."""
    blocks = re.findall(r"^```sh\n(.*?)^```", README.read_text(), flags=re.DOTALL | re.MULTILINE)
    block = next(block for block in blocks if "DEBUG=False\n" in block)
    variables = dict(
        line.split("=", 1) for line in block.splitlines() if line and not line.startswith("#")
    )
    placeholders = {name for name, value in variables.items() if value.startswith("<")}
    assert placeholders == {"SECRET_KEY", "API_SECRET_KEY"}  # nothing else left to guess
    variables["SECRET_KEY"] = secrets.token_urlsafe(50)
    variables["API_SECRET_KEY"] = "sk_live_" + secrets.token_hex(16)
    return variables


def run(command: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def bare(**variables: str) -> dict[str, str]:
    """Only these variables: nothing of the suite's environment (DEBUG, its settings module)."""
    return {"PATH": os.environ["PATH"], **variables}


def test_check_deploy_is_clean_with_the_documented_production_environment():
    environment = bare(**documented_production_environment())
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], environment
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


def test_check_deploy_warns_about_https_without_the_tls_proxy_setting():
    production = documented_production_environment()
    del production["BEHIND_TLS_PROXY"]
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        bare(**production),
    )
    assert result.returncode == 1
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W008" in result.stderr  # no redirect to https


# --- the responses, through Django's whole stack in a process of their own -----------

SHOW_RESPONSES = """
import json
from django.test.utils import setup_test_environment
from django.test import Client
setup_test_environment()
client = Client()
responses = {
    "http": client.get("/"),
    "https": client.get("/", headers={"X-Forwarded-Proto": "https"}),
}
print(json.dumps({
    name: {"status": r.status_code, "headers": dict(r.headers)} for name, r in responses.items()
}))
"""


def responses_with(**variables: str) -> dict:
    """GET / over http and (as the proxy says) https, in a fresh process with `variables`."""
    production = documented_production_environment()
    environment = bare(**{**production, **variables})
    result = run([sys.executable, "manage.py", "shell", "-c", SHOW_RESPONSES], environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_behind_the_tls_proxy_http_is_redirected_and_https_gets_hsts():
    responses = responses_with()
    assert responses["http"]["status"] == 301
    assert responses["http"]["headers"]["Location"] == "https://testserver/"
    https = responses["https"]
    assert https["status"] == 302  # on to the sign-in page
    assert https["headers"]["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_hsts_is_configurable():
    responses = responses_with(
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="False",
        SECURE_HSTS_PRELOAD="False",
    )
    assert responses["https"]["headers"]["Strict-Transport-Security"] == "max-age=600"


def test_without_the_tls_proxy_setting_nothing_is_redirected_or_pinned():
    responses = responses_with(BEHIND_TLS_PROXY="False")
    assert responses["http"]["status"] == 302  # straight to the sign-in page
    assert "Strict-Transport-Security" not in responses["https"]["headers"]


def test_csp_report_only_sends_the_same_policy_without_enforcing_it():
    enforced = responses_with()["https"]["headers"]
    reported = responses_with(CSP_REPORT_ONLY="True")["https"]["headers"]
    assert "Content-Security-Policy-Report-Only" not in enforced
    assert "Content-Security-Policy" not in reported
    assert directives(reported["Content-Security-Policy-Report-Only"]) == directives(
        enforced["Content-Security-Policy"]
    )
    assert "'unsafe-inline'" not in enforced["Content-Security-Policy"]


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


def test_image_url_hosts_may_serve_images():
    headers = responses_with(IMAGE_URL_HOSTS="photos.lender.example, *.cdn.lender.example")
    policy = directives(headers["https"]["headers"]["Content-Security-Policy"])
    assert policy["img-src"] == [
        "'self'",
        "data:",
        "https://photos.lender.example",
        "https://*.cdn.lender.example",
    ]
    assert policy["default-src"] == ["'self'"]  # nothing else from those hosts


# --- gunicorn and DEBUG ----------------------------------------------------------------

DEBUG_WARNING = "WARNING: DEBUG is on in a production server."


def gunicorn_stderr(tmp_path: Path, **variables: str) -> str:
    """Start gunicorn as the README does, wait until its worker answers, stop it: its stderr."""
    port = free_port()
    environment = bare(DATABASE_URL=f"sqlite:///{tmp_path / 'dashboard.sqlite3'}", **variables)
    command = [sys.executable, "-m", "gunicorn", "dashboard.wsgi:application"]
    log = tmp_path / "gunicorn.log"  # a file, not a pipe nobody reads while it runs
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=environment,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                # The home page redirects to sign in: no template, no database.
                requests.get(f"http://127.0.0.1:{port}/", timeout=5, allow_redirects=False)
                break  # any answer: the worker has loaded dashboard.wsgi
            except requests.ConnectionError:
                assert server.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
    finally:
        stop(server)
    return log.read_text()


def test_gunicorn_with_debug_on_warns_loudly(tmp_path):
    stderr = gunicorn_stderr(tmp_path, DEBUG="True")
    assert DEBUG_WARNING in stderr


def test_gunicorn_in_production_does_not_warn(tmp_path):
    stderr = gunicorn_stderr(
        tmp_path,
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        API_SECRET_KEY="real-key",
    )
    assert "Booting worker" in stderr  # gunicorn's own log did reach us
    assert DEBUG_WARNING not in stderr
