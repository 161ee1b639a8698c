"""Store every German entry's federal state as one of the 16 German names, then say so.

Existing German entries get their state spelled canonically ("Bavaria", "BY" -> "Bayern") or,
when it is missing, derived from the postal code (or a town found in one state only) by the
offline gazetteer. Entries abroad keep their region as written.
"""

import django_countries.fields
from django.db import migrations, models

from coopmap.text import chunked
from directory.geo.gazetteer import canonical_state, german_state
from directory.search import stored_search_text

SEARCHED = (
    "name",
    "postal_code",
    "city",
    "state",
    "summary_de",
    "summary_en",
    "description_de",
    "description_en",
)


def fill_german_states(apps, schema_editor):
    Organization = apps.get_model("directory", "Organization")
    german = Organization.objects.filter(country="DE").only(*SEARCHED)
    ids = list(german.values_list("pk", flat=True).order_by("pk"))
    for chunk in chunked(ids, 1000):
        changed = []
        for organization in german.filter(pk__in=chunk):
            state = canonical_state(organization.state.strip()) or german_state(
                postal_code=organization.postal_code, city=organization.city
            )
            if state != organization.state:
                organization.state = state
                # The search text holds the state too (see Organization.update_search_fields).
                organization.search_text = stored_search_text(
                    *(getattr(organization, name) for name in SEARCHED)
                )
                changed.append(organization)
        Organization.objects.bulk_update(changed, ["state", "search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_name_trigram_index"),
    ]

    operations = [
        migrations.RunPython(fill_german_states, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="organization",
            name="country",
            field=django_countries.fields.CountryField(
                default="DE", max_length=2, verbose_name="country"
            ),
        ),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("country", "DE"), _negated=True),
                    ("state", ""),
                    (
                        "state__in",
                        (
                            "Baden-Württemberg",
                            "Bayern",
                            "Berlin",
                            "Brandenburg",
                            "Bremen",
                            "Hamburg",
                            "Hessen",
                            "Mecklenburg-Vorpommern",
                            "Niedersachsen",
                            "Nordrhein-Westfalen",
                            "Rheinland-Pfalz",
                            "Saarland",
                            "Sachsen",
                            "Sachsen-Anhalt",
                            "Schleswig-Holstein",
                            "Thüringen",
                        ),
                    ),
                    _connector="OR",
                ),
                name="org_german_state_canonical",
            ),
        ),
    ]
