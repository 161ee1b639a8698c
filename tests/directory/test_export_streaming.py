"""Open-data exports served by gunicorn as in production: complete, or visibly failed.

An export that breaks off midway (here: the database connection is cut, as in a database
restart) must reach the client as a failed download, never as a shorter file that looks
complete. gunicorn runs with the project's gunicorn.conf.py against the test database.
"""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from directory.models import Organization

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def gunicorn(tmp_path):
    """Serve the app with gunicorn.conf.py on a free port; yield the port."""
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "coopmap.wsgi:application",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "VAR_DIR": str(tmp_path),
            "ALLOWED_HOSTS": "127.0.0.1",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def slow_reader(port: int) -> http.client.HTTPConnection:
    """Return an HTTP/1.1 connection whose small receive buffer makes the server wait."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    client.sock = sock
    return client


def cut_other_database_connections() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def many_organizations(db):
    now = timezone.now()
    Organization.objects.bulk_create(
        Organization(
            name=f"Genossenschaft {number:05d}",
            slug=f"genossenschaft-{number:05d}",
            description_de="Eine lange Beschreibung. " * 40,
            status=Organization.Status.PUBLISHED,
            published_at=now,
        )
        for number in range(8000)
    )


@pytest.mark.parametrize("path", ["/directory/export.csv", "/directory/export.geojson"])
def test_an_export_cut_off_midway_is_a_failed_download(gunicorn, many_organizations, path):
    client = slow_reader(gunicorn)
    client.request("GET", path)
    response = client.getresponse()
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Content-Length") is None
    assert response.read(2048)
    time.sleep(1)  # the server fills the socket and waits, rows still in the database cursor

    cut_other_database_connections()

    with pytest.raises(http.client.IncompleteRead):
        response.read()


def test_a_whole_export_arrives_complete(gunicorn, many_organizations):
    client = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=60)
    client.request("GET", "/directory/export.csv")
    response = client.getresponse()
    assert response.status == 200
    lines = response.read().decode().splitlines()
    assert len(lines) == 1 + 8000
    assert lines[1].startswith("Genossenschaft 00000,")
