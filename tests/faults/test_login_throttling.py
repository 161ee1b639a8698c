"""Login throttling on /manage/ (accounts/login/) and /admin/: lockout with a clear message."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "richtig-und-lang-genug"


@pytest.fixture
def superuser():
    user = UserFactory(username="chefin", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


LOGIN_PAGES = {
    "manage": reverse("login") + "?next=/manage/",
    "admin": reverse("admin:login") + "?next=/admin/",
}


@pytest.mark.parametrize("login_page", LOGIN_PAGES)
def test_after_five_wrong_passwords_even_the_right_one_is_refused(client, superuser, login_page):
    url = LOGIN_PAGES[login_page]
    statuses = [
        client.post(url, {"username": "chefin", "password": f"falsch-{attempt}"}).status_code
        for attempt in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the form with its error, then the lockout
    response = client.post(url, {"username": "chefin", "password": PASSWORD})
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed logins" in text
    assert "try again in 15 minutes" in text
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_explained_in_german(german_client, superuser):
    for attempt in range(6):
        response = german_client.post(
            LOGIN_PAGES["manage"], {"username": "chefin", "password": f"falsch-{attempt}"}
        )
    assert response.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen" in response.content.decode()


def test_another_address_guessing_the_same_user_is_locked_out_too(client, superuser):
    for attempt in range(5):
        client.post(
            LOGIN_PAGES["manage"],
            {"username": "chefin", "password": f"falsch-{attempt}"},
            REMOTE_ADDR=f"198.51.100.{attempt + 1}",
        )
    response = client.post(
        LOGIN_PAGES["manage"], {"username": "chefin", "password": PASSWORD}, REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 429


def test_a_few_typos_then_the_right_password_logs_in_and_resets_the_count(client, superuser):
    url = LOGIN_PAGES["manage"]
    for attempt in range(4):
        client.post(url, {"username": "chefin", "password": f"falsch-{attempt}"})
    response = client.post(url, {"username": "chefin", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(superuser.pk)
    client.logout()
    for attempt in range(4):
        client.post(url, {"username": "chefin", "password": f"falsch-{attempt}"})
    assert client.post(url, {"username": "chefin", "password": PASSWORD}).status_code == 302
