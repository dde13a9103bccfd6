"""Start-up configuration: demo defaults, and one clear sentence when production lacks a secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, unset: tuple[str, ...] = (), **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    for name in ("DJANGO_SETTINGS_MODULE", *unset):
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SECRET_KEY": "", "API_SECRET_KEY": "real-key"}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 50, "API_SECRET_KEY": ""}, "API_SECRET_KEY"),
    ],
)
def test_production_without_a_secret_stops_with_one_sentence(env, variable):
    result = manage("check", DEBUG="False", **env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Configuration error: {variable} is not set: with DEBUG=False it must come from "
        "the environment or .env."
    )


def test_production_with_its_secrets_starts(tmp_path):
    result = manage(
        "check",
        DEBUG="False",
        SECRET_KEY="x" * 50,
        API_SECRET_KEY="real-key",
        API_BASE_URL="https://api.lender.test",
        ALLOWED_HOSTS="backoffice.test",
    )
    assert result.returncode == 0, result.stderr


def test_the_demo_defaults_point_at_the_sandbox():
    from dashboard.sandbox import DEMO_API_KEY

    assert settings.SANDBOX_DEMO_API_KEY == DEMO_API_KEY
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.API_BASE_URL, s.API_SECRET_KEY == s.SANDBOX_DEMO_API_KEY)",
        unset=("API_BASE_URL", "API_SECRET_KEY", "SECRET_KEY"),
        DEBUG="True",  # as `make run` sets it
    )
    assert result.stdout.splitlines()[-1].split() == ["True", "http://127.0.0.1:8001", "True"]


def test_debug_is_off_unless_asked_for():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.DEBUG)",
        unset=("DEBUG",),
        SECRET_KEY="x" * 50,
        API_SECRET_KEY="real-key",
    )
    assert result.stdout.splitlines()[-1] == "False", result.stderr


def test_a_page_budget_past_30_seconds_is_warned_about():
    result = manage("check", API_REQUEST_BUDGET="45")
    assert "api.W001" in result.stderr
    assert "45.0 s" in result.stderr


def test_a_call_deadline_beyond_the_page_budget_is_warned_about():
    result = manage("check", API_CALL_DEADLINE="20", API_REQUEST_BUDGET="15")
    assert "api.W001" in result.stderr


def test_the_deadline_cuts_the_worst_case_of_the_defaults():
    from dashboard.api.apps import worst_case_seconds

    assert worst_case_seconds() == 8  # 2 x (2 + 4) + 2 = 14, cut to API_CALL_DEADLINE
