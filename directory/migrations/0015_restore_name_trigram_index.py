"""Build the folded names' trigram index again (undoing 0013).

Without it, a common word that no name holds ("genossenschaft", found in most entries by their
legal form) made the search for name matches read the whole table: 1.6 s at a million
entries, against milliseconds with it. Its cost when two common words are combined is the
smaller evil.
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

    dependencies = [("directory", "0014_import_format_json")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
