"""CSV that is safe to open in a spreadsheet, written row by row for streaming responses.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(CSV injection, OWASP). Every text cell that could start one gets a leading apostrophe, which
spreadsheets hide and which shows a reader of the raw file that the value was escaped. Numbers
are written as they are: a negative longitude stays a number.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence

# Tab and carriage return too: some spreadsheets skip them and read the formula behind them.
# The full-width forms are read as their ASCII twins by spreadsheets in East Asian locales.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralize(value: object) -> object:
    """Return ``value`` with a leading apostrophe if it is text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """A file-like object whose ``write`` hands back what it is given, for ``csv.writer``."""

    def write(self, text: str) -> str:
        return text


def csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Yield each of ``rows`` as one CSV line (RFC 4180, CRLF), its text cells neutralized."""
    writer = csv.writer(_Line())
    for row in rows:
        yield writer.writerow([neutralize(value) for value in row])
