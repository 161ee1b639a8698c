"""Count the map's pre-aggregated cells from scratch (PostgreSQL).

The cells stay exact by themselves (triggers in the same transaction as every write); this is
for repairs, e.g. after a data-only restore that disabled triggers.
"""

from django.core.management.base import BaseCommand
from django.db import connection

from directory.models import MapCell


class Command(BaseCommand):
    help = "Count the map's pre-aggregated cells from scratch (PostgreSQL; SQLite keeps none)."

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("SQLite groups the map live: there are no cells to rebuild.")
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT directory_map_cells_rebuild()")
        self.stdout.write(f"{MapCell.objects.count()} map cells counted from scratch.")
