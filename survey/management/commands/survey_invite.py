"""``survey_invite <slug>``: invite every published organization that has no invitation yet."""

from django.core.management.base import BaseCommand, CommandError

from survey import services
from survey.models import Survey


class Command(BaseCommand):
    help = (
        "Create an invitation for each published organization that has none and e-mail its "
        "personal link to the organization's contact address. Safe to run twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="the survey's slug, e.g. bedarfsanalyse")

    def handle(self, *args, slug: str, **options) -> None:
        survey = Survey.objects.filter(slug=slug).first()
        if survey is None:
            raise CommandError(f"No survey with the slug {slug!r}.")
        try:
            outcome = services.survey_invite_all(survey=survey)
        except services.SurveyError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{len(outcome.created)} invitations created, {len(outcome.sent)} e-mailed."
        )
        if outcome.without_email:
            self.stdout.write(
                self.style.WARNING(
                    f"Skipped {len(outcome.without_email)} organizations without a contact "
                    "e-mail address (add one and run again):"
                )
            )
            for organization in outcome.without_email:
                self.stdout.write(f"  - {organization.name} ({organization.slug})")
        if not outcome.sent and not outcome.without_email:
            self.stdout.write("Every published organization has its invitation already.")
