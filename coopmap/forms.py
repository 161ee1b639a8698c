"""Form fields shared by the apps: they turn any input into a form error, never into a 500."""

from django import forms
from django.core.exceptions import ValidationError

# The range of a database primary key (BigAutoField): larger numbers match nothing, and SQLite
# refuses to even bind them ("Python int too large to convert to SQLite INTEGER").
MAX_ID = 2**63 - 1


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ``ModelMultipleChoiceField`` by primary key that refuses ids no database can hold."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk).strip()
            if not text.isascii() or not text.isdigit() or int(text) > MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def parse_id(value: str | None) -> int | None:
    """Return ``value`` as a primary key, or ``None`` if it is not one (e.g. ``?with=abc``)."""
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)
