"""Drop the trigram index of the folded names (0009) again.

Measured at a million entries, PostgreSQL combined it with the search text's trigram index
(a BitmapOr of every name with a common word, then a BitmapAnd), several times slower than
reading the search text's matches and checking their names: name matches are only ever looked
for among the search's own matches (``OrganizationQuerySet.by_relevance``).
"""

from django.db import migrations

TABLE = "directory_organization"
INDEX = "org_sort_name_trigram"


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON {TABLE} "
        "USING gin (sort_name gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    # DROP INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("directory", "0012_mapcell_column_index")]

    operations = [migrations.RunPython(drop_index, create_index, elidable=False)]
