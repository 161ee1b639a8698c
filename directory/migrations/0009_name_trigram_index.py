"""Index the folded names by trigrams on PostgreSQL, for the name matches that rank first.

Built concurrently, like the search text's index in 0004, so a large table stays writable.
"""

from django.db import migrations

TABLE = "directory_organization"
INDEX = "org_sort_name_trigram"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON {TABLE} "
        "USING gin (sort_name gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("directory", "0008_search_fold_sort_name")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
