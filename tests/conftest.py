"""Shared fixtures: users of every role and factories for directory data."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation

from tests.factories import OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _isolated_media_and_mail(settings, tmp_path):
    """Keep files that tests write out of ``var/``."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _english_in_tests():
    """Read messages in English in the tests' own code (services, forms, e-mails).

    Pages still choose their language as for a visitor (LocaleMiddleware): German first, which
    tests/test_foundation.py and the browser tests check.
    """
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """A visitor whose browser asks for English, so that tests read English messages."""
    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def german_client():
    """A visitor whose browser asks for German, the site's first language."""
    return Client(headers={"Accept-Language": "de"})


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test users' passwords cheaply: PBKDF2's million rounds cost a second per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_eager_unless_real_worker(request):
    """Run tasks in-process, except in tests that use the real worker (``celery_worker_process``).

    On the production configuration tasks would otherwise go to Redis with no worker to run
    them; the tests that use the worker exercise that path on purpose.
    """
    from coopmap.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = "celery_worker_process" not in request.fixturenames
    yield
    app.conf.task_always_eager, app.conf.broker_url = saved


@pytest.fixture
def manager(db):
    user = UserFactory(username="manager")
    group, _ = Group.objects.get_or_create(name=settings.NETWORK_MANAGERS_GROUP)
    user.groups.add(group)
    return user


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def organization(db):
    return OrganizationFactory()


# --- Markers: services and browser ------------------------------------------------------------

IN_CI = os.environ.get("CI", "").lower() == "true"
HAS_SERVICES = bool(os.environ.get("DATABASE_URL")) and bool(os.environ.get("REDIS_URL"))
CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    """Skip tests whose infrastructure is missing, with a message saying how to get it.

    In CI (``CI=true``) a missing browser is a failure, not a skip; tests marked ``services``
    run in CI's second pass, which sets ``DATABASE_URL`` and ``REDIS_URL``.
    """
    no_services = pytest.mark.skip(
        reason="needs PostgreSQL, Redis and a Celery worker: set DATABASE_URL and REDIS_URL"
    )
    no_browser = pytest.mark.skip(
        reason=f"needs {CHROMIUM}: install it with `apt-get install -y chromium`"
    )
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.browser)
        if "services" in item.keywords and not HAS_SERVICES:
            item.add_marker(no_services)
        # In CI a missing browser must fail the run, so the test runs and fails there.
        if "browser" in item.keywords and not Path(CHROMIUM).exists() and not IN_CI:
            item.add_marker(no_browser)


# --- A real Celery worker for tests marked ``services`` ---------------------------------------


@pytest.fixture
def celery_worker_env() -> dict:
    """Extra environment variables for the worker; override this fixture in a test module."""
    return {}


@pytest.fixture
def celery_worker_process(transactional_db, django_db_setup, celery_worker_env, tmp_path):
    """Start a real Celery worker on the test database and the configured Redis; stop it after.

    Tests using it must commit their data (``transactional_db``), since the worker reads it
    through its own database connection. The worker writes e-mails as files to
    ``worker.mail_dir``.
    """
    from django.db import connection

    from coopmap.celery import app

    if not HAS_SERVICES:
        pytest.skip("needs DATABASE_URL and REDIS_URL")
    app.control.purge()  # no task of an earlier test may reach this worker
    worker = CeleryWorker(
        database_name=connection.settings_dict["NAME"],
        extra_env={
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "VAR_DIR": str(tmp_path / "var"),
            **celery_worker_env,
        },
    )
    worker.mail_dir = Path(worker.env["EMAIL_FILE_PATH"])
    worker.start()
    # Tasks go to the broker now, also when this fixture was requested through another one
    # (then _celery_eager_unless_real_worker could not see it).
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield worker
    app.conf.task_always_eager = eager
    worker.stop()


class CeleryWorker:
    """A ``celery worker`` subprocess on the test database; tests may kill and restart it."""

    def __init__(
        self, *, database_name: str, visibility_timeout: int = 10, extra_env: dict | None = None
    ) -> None:
        url = urlsplit(os.environ["DATABASE_URL"])
        self.env = {
            **os.environ,
            "DATABASE_URL": urlunsplit(url._replace(path=f"/{database_name}")),
            # Unacknowledged tasks of a killed worker come back after this many seconds.
            "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
            "DJANGO_SETTINGS_MODULE": "coopmap.settings",
            **(extra_env or {}),
        }
        self.hostname = f"test-{os.getpid()}-{uuid.uuid4().hex[:6]}@localhost"
        self.process: subprocess.Popen | None = None
        self.log_path = Path(tempfile.gettempdir()) / f"coopmap-{self.hostname}.log"

    def start(self, *, timeout: float = 60) -> None:
        from coopmap.celery import app

        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "coopmap",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                self.hostname,
            ],
            env=self.env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parent.parent,
            # Its own process group: kill() ends the main process and its pool, by id.
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited; see {self.log_path}")
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                return
        self.stop()
        raise RuntimeError(f"celery worker did not answer in {timeout}s; see {self.log_path}")

    def pids(self) -> list[int]:
        """Return the ids of the worker's processes: the main one and its pool."""
        if not self.process or self.process.poll() is not None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [self.process.pid, *map(int, children.read_text().split())]

    def kill(self) -> None:
        """Kill the worker and its pool at once (SIGKILL), as a crash or OOM kill would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            time.sleep(0.5)  # the pool's processes are gone too once the kernel reaped them

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
