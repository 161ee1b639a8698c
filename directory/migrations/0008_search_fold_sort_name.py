"""Fold the search text anew (ä = ae = a, postal code and state included) and add ``sort_name``.

``sort_name`` is the name folded the same way: the directory sorts by it case- and
accent-insensitively, and search finds name matches in it. The German full-text vector goes:
search stems words itself on every database now (directory/search.py), so PostgreSQL and SQLite
find the same entries.
"""

from django.db import migrations, models

from directory.search import search_fold, stored_search_text

CHUNK_SIZE = 1000
TEXT_FIELDS = (
    "name",
    "postal_code",
    "city",
    "state",
    "summary_de",
    "summary_en",
    "description_de",
    "description_en",
)


def fold_again(apps, schema_editor):
    Organization = apps.get_model("directory", "Organization")
    last_pk = 0
    while True:
        chunk = list(
            Organization.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .only("pk", *TEXT_FIELDS)[:CHUNK_SIZE]
        )
        if not chunk:
            return
        for organization in chunk:
            organization.search_text = stored_search_text(
                *(getattr(organization, name) for name in TEXT_FIELDS)
            )
            organization.sort_name = search_fold(organization.name)[:200]
        Organization.objects.bulk_update(chunk, ["search_text", "sort_name"])
        last_pk = chunk[-1].pk


class Migration(migrations.Migration):
    dependencies = [("directory", "0007_map_kind_filter_index")]

    operations = [
        migrations.AlterModelOptions(
            name="organization",
            options={
                "ordering": ["sort_name", "pk"],
                "verbose_name": "organization",
                "verbose_name_plural": "organizations",
            },
        ),
        migrations.RemoveIndex(model_name="organization", name="org_status_name"),
        migrations.RemoveField(model_name="organization", name="search_vector"),
        migrations.AddField(
            model_name="organization",
            name="sort_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fold_again, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["status", "sort_name", "id"], name="org_status_sort_name"),
        ),
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(
                fields=["status", "state", "sort_name"], name="org_status_state_name"
            ),
        ),
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["status", "-published_at", "-id"], name="org_status_newest"),
        ),
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["status", "country", "state"], name="org_status_place"),
        ),
    ]
