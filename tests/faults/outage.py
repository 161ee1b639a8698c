"""Point this process at a Redis that is not there: the cache, the broker, or both."""

from __future__ import annotations

import contextlib
import time

from coopmap import cache as failsafe_cache
from coopmap import queue
from coopmap.celery import app

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens there


def dead_cache_settings() -> dict:
    """The production cache settings (coopmap/settings.py), with Redis at a dead port."""
    return {
        "default": {
            "BACKEND": "coopmap.cache.FailSafeRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0, "retry": None},
        }
    }


def use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` (the shared Redis server keeps running)."""
    app.conf.broker_url = url
    # The app keeps pools for the previous URL; kombu's registry keeps them open for reuse.
    app._pool = None
    app.amqp._producer_pool = None
    queue._broker_down_until = 0.0


@contextlib.contextmanager
def broker_down():
    working = app.conf.broker_url
    use_broker(DEAD_REDIS)
    try:
        yield
    finally:
        use_broker(working)


def forget_failures() -> None:
    """Forget that Redis failed a moment ago (the fail-safe layers skip it for a few seconds)."""
    failsafe_cache._down_until = 0.0
    queue._broker_down_until = 0.0


class Timed:
    """Time a block: ``with Timed() as timer: ...; timer.seconds``."""

    def __enter__(self) -> Timed:
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.monotonic() - self.start


def wait_for(condition, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False
