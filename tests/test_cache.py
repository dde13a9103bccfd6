"""The Redis cache (dashboard/cache.py): Redis failing makes misses and one warning a
minute, never an error, and nothing written meanwhile comes back stale."""

import logging
import time

import pytest
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError

from dashboard import cache as tolerant
from dashboard.cache import TolerantRedisCache
from tests.test_settings import manage


@pytest.fixture
def redis_cache(redis_server):
    tolerant._health.clear()  # each test's server is new: so is what we know of it
    yield TolerantRedisCache(redis_server.url, {})
    tolerant._health.clear()


def resume_at_once(redis_cache) -> None:
    """As if PAUSE_AFTER_FAILURE had passed."""
    redis_cache._cache._health.paused_until = 0


def test_redis_urls_select_the_tolerant_cache_and_cached_db_sessions():
    show = (
        "from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE)"
    )
    redis = manage("shell", "-c", show, CACHE_URL="redis://127.0.0.1:6379/1")
    assert redis.stdout.splitlines()[-1].split() == [
        "dashboard.cache.TolerantRedisCache",
        "dashboard.access.sessions.cached_db",
    ]
    memory = manage("shell", "-c", show, CACHE_URL="locmemcache://")
    assert memory.stdout.splitlines()[-1].split() == [
        "django.core.cache.backends.locmem.LocMemCache",
        "dashboard.access.sessions.db",  # one process's memory is not shared
    ]


def test_postgres_urls_use_psycopg_with_a_connect_timeout():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; from django.db import connection; "
        "import psycopg; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['OPTIONS']['connect_timeout'], psycopg.__version__[0])",
        DATABASE_URL="postgres://dashboard:secret@db.internal:5432/dashboard",
    )
    assert result.stdout.splitlines()[-1].split() == ["django.db.backends.postgresql", "5", "3"], (
        result.stderr
    )


def test_the_cache_works_while_redis_answers(redis_cache):
    redis_cache.set("client-id:abc", "42")
    assert redis_cache.get("client-id:abc") == "42"
    assert redis_cache.get_many(["client-id:abc", "other"]) == {"client-id:abc": "42"}
    assert redis_cache.add("count", 1) is True
    assert redis_cache.incr("count") == 2
    assert redis_cache.delete("client-id:abc") is True
    assert redis_cache.get("client-id:abc") is None


def test_with_redis_stopped_reads_miss_and_writes_are_dropped(redis_server, redis_cache):
    redis_cache.set("kept", "value")
    redis_server.stop()
    started = time.monotonic()
    assert redis_cache.get("kept", "default") == "default"
    redis_cache.set("new", "value")  # no error
    assert redis_cache.add("new", "value") is False
    assert redis_cache.delete("kept") is False
    assert redis_cache.get_many(["kept", "new"]) == {}
    assert redis_cache.has_key("kept") is False
    assert "kept" not in redis_cache
    assert redis_cache.touch("kept") is False
    assert redis_cache.set_many({"a": 1, "b": 2}) == []
    redis_cache.delete_many(["a", "b"])
    with pytest.raises(ValueError, match="not found"):  # as for a missing key
        redis_cache.incr("count")
    assert redis_cache.clear() is False
    # The first failure pauses the use of Redis: the others do not wait for it.
    assert time.monotonic() - started < 1


def test_a_stopped_redis_is_tried_again_after_a_pause(redis_server, redis_cache):
    redis_server.stop()
    assert redis_cache.get("key") is None
    redis_server.start()
    redis_cache.set("key", "written during the pause")  # dropped: Redis is left alone
    assert redis_cache.get("key") is None
    resume_at_once(redis_cache)
    assert redis_cache.get("key") is None  # the dropped write stays dropped
    redis_cache.set("key", "value")
    assert redis_cache.get("key") == "value"


def test_an_outage_is_one_warning_a_minute(redis_server, redis_cache, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="dashboard.cache")
    redis_server.stop()
    for _ in range(5):
        redis_cache.get("key")
        resume_at_once(redis_cache)  # each call tries Redis again
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Pages go on without it" in warnings[0].getMessage()
    assert "Connection refused" in warnings[0].getMessage()

    health = redis_cache._cache._health
    health.last_warning -= tolerant.WARNING_INTERVAL  # a minute later
    redis_cache.get("key")
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2

    redis_server.start()
    resume_at_once(redis_cache)
    caplog.clear()
    redis_cache.get("key")
    redis_cache.get("key")
    assert [r.getMessage() for r in caplog.records] == ["The cache (Redis) answers again."]


def test_a_key_whose_delete_failed_is_deleted_once_redis_answers(redis_cache, monkeypatch):
    # A sign-out during a network blip: the database forgot the session, Redis did not
    # hear of it and kept the session. It must not sign the user back in later.
    redis_cache.set("session:abc", {"user": 7})
    with monkeypatch.context() as blip:
        blip.setattr(RedisCacheClient, "delete", fail_like_a_network_blip)
        assert redis_cache.delete("session:abc") is False
    resume_at_once(redis_cache)
    assert redis_cache.get("session:abc") is None


def test_a_key_whose_write_failed_is_deleted_once_redis_answers(redis_cache, monkeypatch):
    redis_cache.set("session:abc", {"user": 7, "seen": 1})
    with monkeypatch.context() as blip:
        blip.setattr(RedisCacheClient, "set", fail_like_a_network_blip)
        redis_cache.set("session:abc", {"user": 7, "seen": 2})
    resume_at_once(redis_cache)
    assert redis_cache.get("session:abc") is None  # not the older {"seen": 1}


def test_too_many_stale_keys_flush_the_cache_instead(redis_cache, monkeypatch):
    monkeypatch.setattr(tolerant, "STALE_KEYS_LIMIT", 3)
    redis_cache.set("untouched", "value")
    with monkeypatch.context() as blip:
        blip.setattr(RedisCacheClient, "set", fail_like_a_network_blip)
        for number in range(5):  # the first fails, the others meet the pause
            redis_cache.set(f"key-{number}", number)
    resume_at_once(redis_cache)
    assert redis_cache.get("untouched") is None  # flushed with the rest


def fail_like_a_network_blip(*args, **kwargs):
    raise RedisConnectionError("Error 104 while writing to socket. Connection reset by peer.")
