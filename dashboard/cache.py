"""The cache on Redis, where an unreachable Redis is an empty cache rather than an error.

Everything the dashboard keeps in the cache can be rebuilt: sessions are in the database
too (`cached_db`), a client's id is asked of the API again. So while Redis is down or too
slow, a read is a miss, a write is dropped, pages carry on, and a warning says so at most
once a minute per process. Sign-in limits never depend on it: they are counted in the
database (access/throttle.py).

Two details keep an outage cheap and harmless:
- after a failure, this process leaves Redis alone for PAUSE_AFTER_FAILURE seconds: a page
  touches the cache several times, and an unreachable host would cost a connect timeout
  each time;
- a key whose write or delete failed may still hold its old value when Redis answers
  again (after a network blip, or a Redis that kept its data): a session signed out
  meanwhile would come back to life. Such keys are deleted first thing once Redis answers;
  past STALE_KEYS_LIMIT of them, the cache's whole Redis database is flushed instead
  (give the dashboard a database of its own).
"""

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Redis answers a healthy request in well under a millisecond: waiting longer only
# slows every page while Redis struggles. A CACHE_URL's own ?socket_timeout= wins.
CONNECT_TIMEOUT = 0.25  # seconds
COMMAND_TIMEOUT = 0.5
PAUSE_AFTER_FAILURE = 2.0
WARNING_INTERVAL = 60.0
STALE_KEYS_LIMIT = 10_000


class _Health:
    """One Redis server's health as this process sees it. Django gives each thread its
    own cache object; the threads of a process share this."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.paused_until = 0.0  # time.monotonic()
        self.failing = False
        self.last_warning = -math.inf
        self.warned = False  # of this outage: its end is worth a line too
        self.stale_keys: set[str] = set()
        self.flush_all = False

    def failed(self, problem: Exception, keys: Iterable[str]) -> None:
        now = time.monotonic()
        with self.lock:
            self.paused_until = now + PAUSE_AFTER_FAILURE
            self.failing = True
            self._mark_stale(keys)
            warn = now - self.last_warning >= WARNING_INTERVAL
            if warn:
                self.last_warning = now
                self.warned = True
        if warn:
            logger.warning(
                "The cache (Redis) failed (%s: %s). Pages go on without it: reads miss "
                "and writes are dropped (next warning in a minute at most).",
                type(problem).__name__,
                problem,
            )

    def paused(self, keys: Iterable[str]) -> bool:
        if time.monotonic() >= self.paused_until:
            return False
        with self.lock:
            self._mark_stale(keys)
        return True

    def _mark_stale(self, keys: Iterable[str]) -> None:
        self.stale_keys.update(keys)
        if len(self.stale_keys) > STALE_KEYS_LIMIT:
            self.stale_keys.clear()
            self.flush_all = True

    def take_stale(self) -> tuple[list[str], bool]:
        with self.lock:
            keys, flush_all = list(self.stale_keys), self.flush_all
            self.stale_keys.clear()
            self.flush_all = False
        return keys, flush_all

    def answered(self) -> None:
        with self.lock:
            warned, self.failing, self.warned = self.warned, False, False
        if warned:
            logger.info("The cache (Redis) answers again.")


_health: dict[tuple[str, ...], _Health] = {}
_health_lock = threading.Lock()


def _health_of(servers: list[str]) -> _Health:
    with _health_lock:
        return _health.setdefault(tuple(servers), _Health())


_MISSING = object()


class TolerantRedisCacheClient(RedisCacheClient):
    def __init__(self, servers: list[str], **options: Any) -> None:
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", COMMAND_TIMEOUT)
        super().__init__(servers, **options)
        self._health = _health_of(servers)

    def _run(
        self, operation: Callable, *args: Any, fallback: Any, writes: Iterable[str] = ()
    ) -> Any:
        """operation(*args), or `fallback` when Redis fails; `writes`: the keys it changes,
        stale in Redis if it fails."""
        health = self._health
        if health.paused(writes):
            return fallback
        try:
            if health.stale_keys or health.flush_all:
                self._remove_stale()
            result = operation(*args)
        except RedisError as problem:
            health.failed(problem, writes)
            return fallback
        if health.failing:
            health.answered()
        return result

    def _remove_stale(self) -> None:
        keys, flush_all = self._health.take_stale()
        try:
            if flush_all:
                super().clear()
            elif keys:
                super().delete_many(keys)
        except RedisError:
            with self._health.lock:
                self._health.stale_keys.update(keys)
                self._health.flush_all |= flush_all
            raise

    def add(self, key, value, timeout):
        return self._run(super().add, key, value, timeout, fallback=False, writes=[key])

    def get(self, key, default):
        return self._run(super().get, key, default, fallback=default)

    def set(self, key, value, timeout):
        return self._run(super().set, key, value, timeout, fallback=None, writes=[key])

    def touch(self, key, timeout):
        return self._run(super().touch, key, timeout, fallback=False, writes=[key])

    def delete(self, key):
        return self._run(super().delete, key, fallback=False, writes=[key])

    def get_many(self, keys):
        return self._run(super().get_many, keys, fallback={})

    def has_key(self, key):
        return self._run(super().has_key, key, fallback=False)

    def incr(self, key, delta):
        result = self._run(super().incr, key, delta, fallback=_MISSING, writes=[key])
        if result is _MISSING:
            raise ValueError(f"Key '{key}' not found.")  # what a miss raises
        return result

    def set_many(self, data, timeout):
        return self._run(super().set_many, data, timeout, fallback=None, writes=list(data))

    def delete_many(self, keys):
        return self._run(super().delete_many, keys, fallback=None, writes=list(keys))

    def clear(self):
        result = self._run(super().clear, fallback=_MISSING)
        if result is _MISSING:
            with self._health.lock:
                self._health.flush_all = True
            return False
        return result


class TolerantRedisCache(RedisCache):
    """Django's RedisCache (CACHE_URL=redis://…): Redis failing makes misses, not errors."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient
