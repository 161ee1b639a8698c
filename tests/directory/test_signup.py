"""The public signup: form, mistakes, spam protection, double opt-in and expiry."""

from datetime import timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from coopmap.celery import app
from coopmap.models import OutgoingEmail
from directory import services, tokens
from directory.models import AuditLogEntry, Organization
from directory.tasks import delete_unconfirmed_signups
from tests.directory.signup_support import form_token, link_in_email, signup_data
from tests.factories import OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/signup/"


def post_signup(client, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(SIGNUP_URL, signup_data(**overrides))


def test_signup_page_shows_the_form_with_consent_and_a_hidden_honeypot(client):
    response = client.get(SIGNUP_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="privacy_consent"' in html
    assert 'name="form_token"' in html
    assert 'class="hp" aria-hidden="true"' in html
    assert reverse("privacy") in html


def test_signup_stores_an_unconfirmed_entry_with_consent_and_sends_the_confirmation(
    client, django_capture_on_commit_callbacks, settings
):
    sector = SectorFactory(name_en="Energy")
    response = post_signup(client, django_capture_on_commit_callbacks, sectors=[sector.pk])

    assert response.status_code == 302
    assert response["Location"] == reverse("directory:signup-done")
    organization = Organization.objects.get()
    assert organization.status == Organization.Status.UNCONFIRMED
    assert organization.slug == "buergerenergie-sued-eg"
    assert organization.website == "https://buergerenergie-sued.example.org"
    assert list(organization.sectors.all()) == [sector]
    assert organization.privacy_consent_at is not None
    assert organization.privacy_notice_version == settings.PRIVACY_NOTICE_VERSION
    assert organization.contact_language == "en"  # the language the person used
    [message] = mail.outbox
    assert message.to == ["erika@buergerenergie-sued.example.org"]
    assert "Bürgerenergie Süd eG" in message.subject
    assert settings.NETWORK_EMAIL in message.from_email
    assert "/signup/confirm/" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_signup_in_english_sends_the_email_in_english(
    client, django_capture_on_commit_callbacks, settings
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    post_signup(client, django_capture_on_commit_callbacks)
    assert Organization.objects.get().contact_language == "en"
    email = OutgoingEmail.objects.get()
    assert email.language == "en"
    assert "Please confirm the registration" in email.subject


def test_unconfirmed_signup_is_invisible_everywhere_public(
    client, django_capture_on_commit_callbacks
):
    post_signup(client, django_capture_on_commit_callbacks)
    organization = Organization.objects.get()
    organization.latitude, organization.longitude = 48.137, 11.575
    organization.save()

    assert "Bürgerenergie" not in client.get("/directory/").content.decode()
    assert client.get(organization.get_absolute_url()).status_code == 404
    world = {"bbox": "-180,-90,180,90", "zoom": 3}
    assert client.get("/api/map/", world).json()["features"] == []
    assert client.get(f"/directory/{organization.slug}/edit/").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"postal_code": "8033"}, "postal_code", "A German postal code has five digits"),
        ({"postal_code": "80331x"}, "postal_code", "A German postal code has five digits"),
        ({"website": "not a web address"}, "website", "Enter a web address such as"),
        ({"website": "ftp://example.org"}, "website", "Enter a web address such as"),
        ({"name": ""}, "name", "This field is required."),
        ({"city": ""}, "city", "This field is required."),
        ({"contact_email": "erika(at)example"}, "contact_email", "Enter a valid email address."),
        ({"privacy_consent": None}, "privacy_consent", "Please agree to the privacy notice"),
        ({"summary_de": ""}, "summary_de", "Describe the organization"),
        ({"founded_year": "2999"}, "founded_year", "cannot lie in the future"),
    ],
)
def test_mistakes_are_explained_and_nothing_is_stored(client, settings, overrides, field, message):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(SIGNUP_URL, signup_data(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert Organization.objects.count() == 0
    # What the person typed is kept.
    assert "Erika Mustermann" in response.content.decode()


def test_austrian_postal_codes_have_four_digits(client):
    response = client.post(SIGNUP_URL, signup_data(country="AT", postal_code="1010", city="Wien"))
    assert response.status_code == 302


def test_website_with_scheme_is_kept_as_typed(client):
    client.post(SIGNUP_URL, signup_data(website="http://example.org/coop"))
    assert Organization.objects.get().website == "http://example.org/coop"


def test_same_website_domain_points_to_the_existing_entry(client):
    existing = OrganizationFactory(name="Sonnenstrom eG", website="https://www.sued.example.org/")
    response = client.post(SIGNUP_URL, signup_data(website="sued.example.org/about"))
    assert response.status_code == 200
    assert response.context["form"].duplicates == [existing]
    assert existing.get_absolute_url() in response.content.decode()
    assert 'name="different_organization"' in response.content.decode()
    assert Organization.objects.count() == 1


def test_similar_name_in_the_same_city_is_a_likely_duplicate(client):
    existing = OrganizationFactory(
        name="Bürgerenergie Süd e.G.", city="München", website="https://a.example.org"
    )
    OrganizationFactory(name="Bürgerenergie Nord eG", city="Hamburg")
    response = client.post(SIGNUP_URL, signup_data(name="Buergerenergie Sued"))
    assert response.context["form"].duplicates == [existing]


def test_similar_name_in_another_city_is_no_duplicate(client):
    OrganizationFactory(name="Bürgerenergie Süd eG", city="Stuttgart")
    response = client.post(SIGNUP_URL, signup_data())
    assert response.status_code == 302


def test_unpublished_entries_are_never_offered_as_duplicates(client):
    OrganizationFactory(
        name="Bürgerenergie Süd eG", city="München", status="pending", published_at=None
    )
    assert client.post(SIGNUP_URL, signup_data()).status_code == 302


def test_confirming_a_different_organization_continues_the_signup(client):
    OrganizationFactory(name="Bürgerenergie Süd eG", city="München")
    response = client.post(SIGNUP_URL, signup_data(different_organization="on"))
    assert response.status_code == 302
    assert Organization.objects.filter(status="unconfirmed").count() == 1


# --- Spam protection --------------------------------------------------------------------------


def test_filled_honeypot_gets_a_polite_failure_and_nothing_is_stored(client):
    response = client.post(SIGNUP_URL, signup_data(homepage="http://spam.example"))
    assert response.status_code == 400
    assert "could not process" in response.content.decode()
    assert Organization.objects.count() == 0
    assert mail.outbox == []


def test_too_fast_submit_shows_the_form_again_with_the_input_kept(client, settings):
    settings.SIGNUP_MIN_FILL_SECONDS = 5
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    token = form_token(seconds_ago=1)
    response = client.post(SIGNUP_URL, signup_data(form_token=token))
    assert response.status_code == 200
    assert "That was quick!" in response.content.decode()
    assert "Erika Mustermann" in response.content.decode()
    assert Organization.objects.count() == 0
    # The stamp is kept, so sending again once enough time has passed succeeds.
    assert response.context["form"]["form_token"].value() == token
    settings.SIGNUP_MIN_FILL_SECONDS = 0
    assert client.post(SIGNUP_URL, signup_data(form_token=token)).status_code == 302


# Stable ids: a signed value changes every second, and pytest-xdist's workers must collect the
# same test names.
@pytest.mark.parametrize(
    "token",
    ["", "forged", signing.dumps({"key": "x"}, salt="other")],
    ids=["missing", "forged", "other-salt"],
)
def test_missing_or_forged_form_stamp_counts_as_too_fast_and_issues_a_new_one(client, token):
    response = client.post(SIGNUP_URL, signup_data(form_token=token))
    assert response.status_code == 200
    assert response.context["notice"]
    assert response.context["form"]["form_token"].value() != token
    assert Organization.objects.count() == 0


def test_rate_limit_per_client_address(client, settings):
    settings.SIGNUP_RATE_LIMIT = 2
    for number in range(2):
        response = client.post(
            SIGNUP_URL,
            signup_data(name=f"Kooperative {number}", website=f"k{number}.example.org"),
        )
        assert response.status_code == 302
    response = client.post(SIGNUP_URL, signup_data(name="Kooperative 3", website=""))
    assert response.status_code == 429
    assert "Kooperative 3" in response.content.decode()  # the input is kept
    assert Organization.objects.count() == 2
    # Another address is not affected.
    response = client.post(
        SIGNUP_URL, signup_data(name="Kooperative 3", website=""), REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 302


def test_rate_limit_trusts_the_proxy_only_when_configured(rf, settings):
    from directory import spam

    request = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.3, 203.0.113.9")
    assert spam.client_address(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert spam.client_address(request) == "203.0.113.9"


def test_the_same_form_posted_twice_creates_one_entry(client, django_capture_on_commit_callbacks):
    data = signup_data()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(SIGNUP_URL, data)
        second = client.post(SIGNUP_URL, data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("directory:signup-done")
    assert Organization.objects.count() == 1
    assert len(mail.outbox) == 1


def test_done_page_says_how_long_the_link_works(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("directory:signup-done"))
    assert f"within {settings.SIGNUP_CONFIRMATION_DAYS} days" in response.content.decode()


# --- Confirmation -----------------------------------------------------------------------------


@pytest.fixture
def unconfirmed(client, django_capture_on_commit_callbacks):
    post_signup(client, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    return Organization.objects.get()


def confirmation_path(organization):
    email = OutgoingEmail.objects.filter(template="signup_confirm").get()
    return link_in_email(email, "/signup/confirm/")


def test_confirmation_link_asks_before_confirming(client, unconfirmed):
    response = client.get(confirmation_path(unconfirmed))
    assert response.status_code == 200
    assert "Bürgerenergie Süd eG" in response.content.decode()
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == Organization.Status.UNCONFIRMED  # a mail scanner's GET


def test_confirming_makes_the_entry_pending_and_announces_it(
    client, unconfirmed, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirmation_path(unconfirmed))
    assert response.status_code == 200
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == Organization.Status.PENDING
    assert unconfirmed.email_confirmed_at is not None
    # Geocoding ran: the offline gazetteer knows München's postal code 80331.
    assert unconfirmed.geocode_status == Organization.GeocodeStatus.LOCATED
    assert abs(unconfirmed.latitude - 48.14) < 0.05
    assert abs(unconfirmed.longitude - 11.57) < 0.05
    [announcement] = mail.outbox
    assert announcement.to == [settings.NETWORK_EMAIL]
    review = reverse("manage:directory-manage:review", args=[unconfirmed.pk])
    assert f"http://testserver{review}" in announcement.body  # the host it was confirmed on
    assert list(unconfirmed.audit_log.values_list("action", flat=True)) == [
        AuditLogEntry.Action.SUBMITTED,
        AuditLogEntry.Action.CONFIRMED,
    ]


def test_pending_entry_is_still_invisible(client, unconfirmed):
    client.post(confirmation_path(unconfirmed))
    assert client.get(f"/directory/{unconfirmed.slug}/").status_code == 404
    assert "Bürgerenergie" not in client.get("/directory/").content.decode()


def test_reused_confirmation_link_says_already_confirmed(client, unconfirmed, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    path = confirmation_path(unconfirmed)
    client.post(path)
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 200
        assert "Already confirmed" in response.content.decode()
    assert AuditLogEntry.objects.filter(action="confirmed").count() == 1


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "1" + token,
        lambda token: "not-a-token",
    ],
)
def test_wrong_confirmation_link_is_refused(client, unconfirmed, mangle):
    token = tokens.confirmation_token(unconfirmed)
    response = client.post(reverse("directory:signup-confirm", args=[mangle(token)]))
    assert response.status_code == 404
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == Organization.Status.UNCONFIRMED


def test_self_service_token_does_not_confirm_a_signup(client, unconfirmed):
    token = tokens.self_service_token(unconfirmed)
    assert client.post(reverse("directory:signup-confirm", args=[token])).status_code == 404


def test_expired_confirmation_link_is_refused(client, unconfirmed, settings, monkeypatch):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    path = confirmation_path(unconfirmed)
    later = timezone.now() + timedelta(days=settings.SIGNUP_CONFIRMATION_DAYS, minutes=1)
    monkeypatch.setattr(signing.time, "time", later.timestamp)
    response = client.post(path)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    unconfirmed.refresh_from_db()
    assert unconfirmed.status == Organization.Status.UNCONFIRMED


def test_link_of_a_deleted_signup_is_refused(client, unconfirmed):
    path = confirmation_path(unconfirmed)
    unconfirmed.delete()
    assert client.post(path).status_code == 410


# --- Expiry -----------------------------------------------------------------------------------


def test_unconfirmed_signups_are_deleted_after_the_configured_days(settings):
    settings.SIGNUP_CONFIRMATION_DAYS = 3
    old = OrganizationFactory(
        status="unconfirmed", published_at=None, created_at=timezone.now() - timedelta(days=4)
    )
    services._log(old, AuditLogEntry.Action.SUBMITTED, AuditLogEntry.ActorKind.VISITOR)
    fresh = OrganizationFactory(
        status="unconfirmed", published_at=None, created_at=timezone.now() - timedelta(days=2)
    )
    confirmed_long_ago = OrganizationFactory(
        status="pending", published_at=None, created_at=timezone.now() - timedelta(days=30)
    )

    assert delete_unconfirmed_signups.delay().get() == 1

    assert set(Organization.objects.all()) == {fresh, confirmed_long_ago}
    assert not AuditLogEntry.objects.filter(organization_name=old.name).exists()


def test_expired_signup_cleanup_is_scheduled():
    entry = app.conf.beat_schedule["directory-delete-unconfirmed-signups"]
    assert entry["task"] == "directory.tasks.delete_unconfirmed_signups"


# --- What people type is text -----------------------------------------------------------------


def test_html_typed_into_fields_is_text_on_pages_and_in_emails(
    client, manager_client, django_capture_on_commit_callbacks
):
    script = "<script>alert(1)</script>"
    post_signup(
        client,
        django_capture_on_commit_callbacks,
        name=f"Evil {script} eG",
        contact_name=f"<b>Erika</b>{script}",
        summary_de=f"<img src=x onerror=alert(2)>{script}",
        description_de=script,
        city="München<i>",
    )
    organization = Organization.objects.get()
    [message] = mail.outbox
    html_part = message.alternatives[0][0]
    assert "<script>" not in html_part
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_part
    assert "&lt;b&gt;Erika&lt;/b&gt;" in html_part
    assert f"Evil {script} eG" in message.body  # plain text: as typed, not escaped
    assert "&lt;" not in message.subject

    client.post(confirmation_path(organization))
    for path in (
        reverse("manage:directory-manage:queue"),
        reverse("manage:directory-manage:review", args=[organization.pk]),
    ):
        html = manager_client.get(path).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_privacy_notice_explains_retention_and_rights(client, settings):
    settings.SIGNUP_CONFIRMATION_DAYS = 5
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("privacy")).content.decode()
    assert "deleted after 5 days" in html
    assert "article 15" in html
