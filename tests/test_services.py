"""The throwaway servers' harness (tests/services.py): missing programs skip the tests
that need them, with the install command, except in CI, where they fail."""

import pytest

from tests import services


@pytest.fixture
def nothing_installed(monkeypatch):
    monkeypatch.setattr(services, "postgres_bin", lambda: None)
    monkeypatch.setattr(services.shutil, "which", lambda program: None)
    monkeypatch.setattr(services, "REDIS_SERVER", "/nonexistent/redis-server")


@pytest.mark.parametrize("start", [services.start_postgres, services.start_redis])
def test_without_the_servers_the_tests_skip_saying_how_to_install_them(
    start, nothing_installed, monkeypatch
):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install postgresql redis-server"):
        start()


@pytest.mark.parametrize("start", [services.start_postgres, services.start_redis])
def test_in_ci_missing_servers_fail_the_tests(start, nothing_installed, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run these tests"):
        start()
