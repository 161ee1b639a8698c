"""Production defaults: settings from the environment, refusal to start insecure, headers,
body limits, no caching of personal pages, tokens kept out of access logs, error pages."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from directory import tokens
from directory.models import Organization
from survey.tokens import invitation_token
from tests.factories import InvitationFactory, OrganizationFactory
from tests.survey.conftest import build_survey

ROOT = Path(__file__).resolve().parent.parent
SECURE_KEY = "k3y-" + "x7Qp2LmZ9vR4tW8sN1cB6yH3jF5dG0aE" * 2
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": SECURE_KEY,
    "DATABASE_URL": "postgres://coopmap:coopmap@db.invalid:5432/coopmap",
    "REDIS_URL": "redis://redis.invalid:6379/0",
    "ALLOWED_HOSTS": "coopmap.example.org",
    "SITE_URL": "https://coopmap.example.org",
}


def run_django(code: str, env: dict) -> subprocess.CompletedProcess:
    """Run ``code`` after django.setup() in a fresh interpreter with only ``env`` set."""
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "coopmap.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def production_settings(**overrides) -> dict:
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}))"
    )
    result = run_django(code, {**PRODUCTION_ENV, **overrides})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- Refusing to start ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be a random value"),
        ("REDIS_URL", "REDIS_URL must be set"),
        ("DATABASE_URL", "DATABASE_URL must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"),
        ("SITE_URL", "SITE_URL must be set"),
    ],
)
def test_the_app_refuses_to_start_in_production_without_a_needed_setting(missing, message):
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != missing}
    result = run_django("print('started')", env)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "refuses to start with DEBUG=false" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "django-insecure-coopmap-development-key-do-not-use-in-production",
        "short-key",
        "a" * 60,
    ],
)
def test_the_app_refuses_to_start_in_production_with_an_insecure_key(key):
    result = run_django("print('started')", {**PRODUCTION_ENV, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY must be a random value" in result.stderr


def test_the_app_starts_in_production_with_every_setting_and_in_development_with_none():
    assert run_django("print('started')", PRODUCTION_ENV).stdout.strip() == "started"
    assert run_django("print('started')", {}).stdout.strip() == "started"


# --- Settings from the environment -------------------------------------------------------------


def test_production_defaults_to_https_hsts_and_secure_cookies():
    values = production_settings()
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True


def test_hsts_and_the_https_redirect_are_configurable():
    values = production_settings(SECURE_HSTS_SECONDS="600", SECURE_SSL_REDIRECT="false")
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_SSL_REDIRECT"] is False


def test_x_forwarded_proto_is_trusted_only_behind_a_configured_proxy():
    assert production_settings()["SECURE_PROXY_SSL_HEADER"] is None
    behind_proxy = production_settings(TRUSTED_PROXY_COUNT="1")
    assert behind_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_client_cannot_claim_https_without_a_trusted_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/directory/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_production_pages_carry_hsts_and_permissions_policy(client, settings, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/directory/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "camera=()" in response["Permissions-Policy"]


# --- Request body limits -----------------------------------------------------------------------


def test_a_30_mib_multipart_body_to_signup_is_refused_unread(client, db):
    body = b"--b\r\nContent-Disposition: form-data; name="
    body += b'"upload"; filename="x.bin"\r\n\r\n' + b"x" * (30 * 1024 * 1024) + b"\r\n--b--\r\n"
    response = client.generic("POST", "/signup/", body, "multipart/form-data; boundary=b")
    assert response.status_code == 413
    assert not Organization.objects.exists()


def test_an_ordinary_signup_post_is_not_limited(client, db):
    response = client.post("/signup/", {"name": "x" * 5000})
    assert response.status_code == 200  # the form again, with its messages


def test_a_logged_in_manager_may_send_an_import_file(manager_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    content = b"name\n" + b"x" * (3 * 1024 * 1024 // 2)
    response = manager_client.generic("POST", "/manage/", content, "application/octet-stream")
    assert response.status_code != 413


# --- Personal pages are never cached ----------------------------------------------------------


def assert_not_stored(response, status=200):
    assert response.status_code == status, response.status_code
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.fixture
def contact_organization(db):
    return OrganizationFactory(
        contact_email="kontakt@example.org",
        privacy_consent_at=timezone.now(),
        privacy_notice_version="2026-11-30",
    )


def test_self_service_pages_are_not_stored(client, contact_organization):
    token = tokens.self_service_token(contact_organization)
    for name in ("self-service", "self-service-edit", "self-service-delete"):
        url = reverse(f"directory:{name}", args=[contact_organization.slug, token])
        assert_not_stored(client.get(url))


def test_the_confirmation_page_is_not_stored(client, db):
    organization = OrganizationFactory(status=Organization.Status.UNCONFIRMED)
    url = reverse("directory:signup-confirm", args=[tokens.confirmation_token(organization)])
    assert_not_stored(client.get(url))


def test_survey_answering_pages_are_not_stored(client, db):
    invitation = InvitationFactory(survey=build_survey())
    token = invitation_token(invitation)
    assert_not_stored(client.get(reverse("survey:start", kwargs={"token": token})))
    assert_not_stored(client.get(reverse("survey:section", kwargs={"token": token, "step": 1})))


def test_managers_pages_and_the_login_are_not_stored(client, manager_client):
    assert_not_stored(manager_client.get("/manage/"))
    assert_not_stored(manager_client.get("/admin/"), status=302)  # to the admin's login
    client.logout()
    assert_not_stored(client.get("/accounts/login/"))


def test_public_pages_may_be_cached(client, db):
    response = client.get("/directory/")
    assert "no-store" not in response.get("Cache-Control", "")


# --- Error pages and favicon ------------------------------------------------------------------


def test_a_missing_page_is_branded_in_german_and_english(client, german_client, db):
    german = german_client.get("/does-not-exist/")
    assert german.status_code == 404
    assert "Seite nicht gefunden" in german.content.decode()
    assert 'class="site-header"' in german.content.decode()
    english = client.get("/does-not-exist/")
    assert english.status_code == 404
    assert "Page not found" in english.content.decode()


@pytest.mark.urls("tests.failing_urls")
def test_a_server_error_is_branded_in_german_and_english(client, german_client, db):
    client.raise_request_exception = german_client.raise_request_exception = False
    german = german_client.get("/fails/")
    assert german.status_code == 500
    assert "Bei uns ist etwas schiefgegangen" in german.content.decode()
    english = client.get("/fails/")
    assert english.status_code == 500
    assert "Something went wrong on our side" in english.content.decode()
    assert "Traceback" not in english.content.decode()


def test_the_favicon_is_served(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"
    page = client.get("/directory/").content.decode()
    assert 'rel="icon"' in page


# --- Tokens stay out of access logs ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_env(tmp_path) -> dict:
    """Serve from the embedded default: the access log does not depend on the database, and the
    configured DATABASE_URL names a database that need not exist outside the test run."""
    env = {**os.environ, "VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return env


def wait_and_get(url: str, *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except urllib.error.HTTPError:
            return  # an answer, whatever its status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


TOKEN_PATHS = [
    "/survey/SeCrEtSuRvEyToKeN123/step/2/",
    "/signup/confirm/1:SeCrEtCoNfIrM:abc/",
    "/directory/some-coop/self-service/7.SeCrEtEdIt:xyz/edit/",
]


def request_token_paths(port: int) -> None:
    for path in TOKEN_PATHS:
        wait_and_get(f"http://127.0.0.1:{port}{path}")
    wait_and_get(f"http://127.0.0.1:{port}/survey/needs-by-state/")


def assert_log_redacted(log: str) -> None:
    assert "SeCrEt" not in log
    assert "/survey/[token]/step/2/" in log
    assert "/signup/confirm/[token]/" in log
    assert "/directory/some-coop/self-service/[token]/edit/" in log
    assert "/survey/needs-by-state/" in log


def test_runserver_access_log_has_no_tokens(tmp_path):
    port = free_port()
    log_path = tmp_path / "runserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=embedded_env(tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        request_token_paths(port)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert_log_redacted(log_path.read_text())


def test_gunicorn_access_log_has_no_tokens(tmp_path):
    port = free_port()
    log_path = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "coopmap.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log_path),
            "--logger-class",
            "coopmap.access_log.RedactingGunicornLogger",
        ],
        cwd=ROOT,
        env=embedded_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        request_token_paths(port)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert_log_redacted(log_path.read_text())


def test_the_dockerfile_runs_gunicorn_with_the_redacting_logger():
    assert "coopmap.access_log.RedactingGunicornLogger" in (ROOT / "Dockerfile").read_text()


# --- Content-Security-Policy -------------------------------------------------------------------


def test_pages_carry_a_content_security_policy_without_inline_allowances(client, db):
    first = client.get("/")
    policy = first["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    # The map page has no inline script left (static/js/ creates the maps): no nonce is needed,
    # and scripts come from this site only.
    assert directives["script-src"].split()[0] == "'self'"


def test_the_map_pages_run_no_inline_script(client, db):
    import re

    response = client.get("/")
    page = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", page)
    inline = [attrs for attrs in scripts if "src=" not in attrs and "application/json" not in attrs]
    assert inline == []
