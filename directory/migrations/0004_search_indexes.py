"""Index the directory's search on PostgreSQL (SQLite searches ``search_text`` unindexed).

``search_vector`` is the German full-text vector of ``search_text``, stored by PostgreSQL so
that matching and ranking never recompute it. Two GIN indexes serve
``OrganizationQuerySet.search``: one on that vector, and a trigram index (pg_trgm) that answers
the ``LIKE '%word%'`` substring matches. They are built concurrently so that a large table stays
writable meanwhile.
"""

import django.contrib.postgres.search
from django.db import migrations, models

TABLE = "directory_organization"
FULL_TEXT_INDEX = "org_search_fulltext"
TRIGRAM_INDEX = "org_search_trigram"


class SearchDocument(django.contrib.postgres.search.SearchVector):
    """The German full-text vector of ``search_text`` (NULL on SQLite); dropped in 0008."""

    def __init__(self) -> None:
        super().__init__("search_text", config="german")

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {FULL_TEXT_INDEX} ON {TABLE} "
        "USING gin (search_vector)"
    )
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {TRIGRAM_INDEX} ON {TABLE} "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in (FULL_TEXT_INDEX, TRIGRAM_INDEX):
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("directory", "0003_signup_moderation_self_service")]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=SearchDocument(),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
