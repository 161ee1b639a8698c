"""A Redis cache that acts as an empty cache while Redis is unreachable.

The cache only ever speeds things up (places for the filters, geocoder answers), so an outage
must not turn into a 500: every call that fails counts as a miss (reads) or as not stored
(writes), and for ``RETRY_SECONDS`` after a failure the cache is not asked at all, so a page
that reads it often does not wait on each call. Short socket timeouts (settings) bound a call.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
ERRORS = (RedisError, OSError)

_down_until = 0.0  # per process: until then, skip Redis


def _available() -> bool:
    return time.monotonic() >= _down_until


def _failed(operation: str, error: Exception) -> None:
    global _down_until
    if _available():
        logger.warning("cache unavailable (%s: %s); serving without it", operation, error)
    _down_until = time.monotonic() + RETRY_SECONDS


class FailSafeRedisCache(RedisCache):
    def _call(self, operation: str, fallback, *args, **kwargs):
        if not _available():
            return fallback
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except ERRORS as error:
            _failed(operation, error)
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._call("incr", missing, key, delta, version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
