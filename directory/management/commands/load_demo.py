"""Load the demo data: the sectors, the network's partners and the needs-analysis survey.

The partners are real organizations with only their verified facts (``fixtures/partners.json``,
from ``../shared/seed-organizations.md``; each entry lists its sources). Safe to run twice:
entries are matched by slug and only what differs is written, so a second run changes nothing.
A run restores the partners' facts from the fixture but leaves their publication status alone:
new partners are published, and a manager's later decision (archiving one, say) stands.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import timezone

from directory import services
from directory.geo import geocoding
from directory.models import Organization, Sector

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
# Keys of partners.json that are documentation, not fields.
PARTNER_NOTES = {"sectors", "notes", "sources"}
# A changed address means a new position.
ADDRESS_FIELDS = ("street", "postal_code", "city", "state", "country")


class Command(BaseCommand):
    help = "Load the sectors, the network's partner organizations and the survey (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for step in DEMO_STEPS:
            step(self)


def load_sectors(command: BaseCommand) -> None:
    """Create or update the curated sectors."""
    outcomes = []
    with transaction.atomic():
        for entry in read_fixture("sectors.json"):
            _, outcome = upsert(Sector, slug=entry.pop("slug"), values=entry)
            outcomes.append(outcome)
    command.stdout.write(
        command.style.SUCCESS(
            f"Sectors: {outcomes.count('created')} created, {outcomes.count('updated')} updated, "
            f"{outcomes.count('unchanged')} unchanged."
        )
    )


def load_partners(command: BaseCommand) -> None:
    """Create (published) or update the partner organizations, and locate them."""
    command.stdout.write("Partner organizations:")
    for entry in read_fixture("partners.json"):
        sector_slugs = set(entry["sectors"])
        values = {key: value for key, value in entry.items() if key not in PARTNER_NOTES}
        with transaction.atomic():
            organization = Organization.objects.filter(slug=values["slug"]).first()
            old_address = address_of(organization) if organization else None
            if not organization:
                values |= {"status": Organization.Status.PUBLISHED, "published_at": timezone.now()}
            organization, outcome = upsert(Organization, slug=values.pop("slug"), values=values)
            if set(organization.sectors.values_list("slug", flat=True)) != sector_slugs:
                organization.sectors.set(Sector.objects.filter(slug__in=sector_slugs))
                outcome = "updated" if outcome == "unchanged" else outcome
        if (
            old_address != address_of(organization)
            or organization.geocode_status == Organization.GeocodeStatus.PENDING
        ):
            organization = locate(organization)
        command.stdout.write(f"  {organization.name}: {outcome}; {describe_position(organization)}")


def load_survey(command: BaseCommand) -> None:
    """Load (or refresh) the needs-analysis questionnaire "bedarfsanalyse"."""
    from survey.models import Question
    from survey.services import survey_load_demo

    survey = survey_load_demo()
    questions = Question.objects.filter(section__survey=survey).count()
    command.stdout.write(f"Survey: {survey.slug}, {survey.status}, {questions} questions.")


# The steps of load_demo, in order. Add a step (a function taking the command) to load more.
DEMO_STEPS: list[Callable[[BaseCommand], None]] = [load_sectors, load_partners, load_survey]


def read_fixture(name: str) -> list[dict[str, Any]]:
    with (FIXTURES_DIR / name).open(encoding="utf-8") as file:
        return json.load(file)


def upsert(
    model: type[models.Model], *, slug: str, values: dict[str, Any]
) -> tuple[models.Model, str]:
    """Create or update the ``model`` row with ``slug``; write only the fields that differ.

    Return the row and "created", "updated" or "unchanged".
    """
    instance = model.objects.filter(slug=slug).first()
    if instance is None:
        instance = model(slug=slug, **values)
        instance.full_clean()
        instance.save()
        return instance, "created"
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return instance, "unchanged"
    for name in changed:
        setattr(instance, name, values[name])
    instance.full_clean()
    instance.save(update_fields=changed)
    return instance, "updated"


def address_of(organization: Organization) -> list[str]:
    return [getattr(organization, name) for name in ADDRESS_FIELDS]


def locate(organization: Organization) -> Organization:
    """Geocode now, through the same service as the task; if the geocoder is down, later."""
    try:
        return services.organization_geocode(organization_id=organization.pk)
    except geocoding.GeocoderUnavailableError:
        with transaction.atomic():
            services.organization_schedule_geocoding(organization=organization)
        return organization


def describe_position(organization: Organization) -> str:
    if organization.has_position:
        return (
            f"at {organization.latitude:.4f}, {organization.longitude:.4f} "
            f"({organization.get_geocode_precision_display()}, {organization.geocode_source})"
        )
    return f"no map position ({organization.get_geocode_status_display()})"
