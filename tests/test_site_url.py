"""Links in e-mails point where the visitor reached the site; make run sets SITE_URL."""

import subprocess
from pathlib import Path

import pytest

from coopmap.emails import email_queue
from coopmap.models import OutgoingEmail
from tests.directory.signup_support import signup_data

ROOT = Path(__file__).resolve().parent.parent


def signup_on(client, django_capture_on_commit_callbacks, **headers) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/", signup_data(), headers=headers)
    assert response.status_code == 302
    return OutgoingEmail.objects.get(template="signup_confirm").body_text


@pytest.mark.django_db
def test_the_confirmation_link_uses_the_host_and_port_of_the_signup(
    client, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "http://127.0.0.1:8000"
    body = signup_on(client, django_capture_on_commit_callbacks, host="localhost:8123")
    assert "http://localhost:8123/signup/confirm/" in body
    assert "127.0.0.1:8000" not in body


@pytest.mark.django_db
def test_the_confirmation_link_keeps_https_behind_a_trusted_proxy(
    client, django_capture_on_commit_callbacks, settings
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["coopmap.example.org"]
    body = signup_on(
        client,
        django_capture_on_commit_callbacks,
        host="coopmap.example.org",
        x_forwarded_proto="https",
    )
    assert "https://coopmap.example.org/signup/confirm/" in body


@pytest.mark.django_db
def test_any_host_allowed_means_site_url(client, django_capture_on_commit_callbacks, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://coopmap.example.org"
    body = signup_on(client, django_capture_on_commit_callbacks, host="evil.example.com")
    assert "https://coopmap.example.org/signup/confirm/" in body
    assert "evil.example.com" not in body


@pytest.mark.django_db
def test_outside_a_request_links_use_site_url(settings):
    settings.SITE_URL = "https://coopmap.example.org"
    email = email_queue(
        to="someone@example.org",
        template="signup_confirm",
        context={"confirm_url": "x", "organization_name": "Kooperative eG", "days": 7},
    )
    assert "https://coopmap.example.org/" in email.body_text


@pytest.mark.parametrize("target", ["run", "worker"])
def test_make_sets_site_url_from_the_port(target):
    result = subprocess.run(
        ["make", "-n", target, "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "SITE_URL=http://127.0.0.1:8123" in result.stdout
