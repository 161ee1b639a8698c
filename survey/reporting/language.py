"""A report in the reader's language: the texts of a result in every offered language.

A report is counted once; its texts (survey title, questions, options, items, groups, labels)
are assembled in each language of ``settings.LANGUAGES`` and kept beside the figures
(``result["translations"]``, texts only), so the web page shows a report in the language of
whoever reads it, never a mix.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils import translation


def text_parts(result: Mapping) -> dict:
    """Return the texts of ``result`` (no figures), in its structure."""
    return {
        "meta": {
            "title": result["meta"]["title"],
            "breakdown_label": result["meta"]["breakdown_label"],
        },
        "columns": [column["label"] for column in result["columns"]],
        "sections": [
            {
                "title": section["title"],
                "questions": [
                    {
                        "text": question["text"],
                        "kind_label": question["kind_label"],
                        "condition": question["condition"],
                        "rows": [row["label"] for row in question["rows"]],
                        "items": [
                            {
                                "label": item["label"],
                                "rows": [row["label"] for row in item["rows"]],
                            }
                            for item in question["items"]
                        ],
                    }
                    for question in section["questions"]
                ],
            }
            for section in result["sections"]
        ],
    }


def translations(gathered, assemble, *, min_cell: int, skip: str) -> dict[str, dict]:
    """Assemble ``gathered`` in every other offered language and keep the texts."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        if code == skip:
            continue
        with translation.override(code):
            texts[code] = text_parts(assemble(gathered, min_cell=min_cell))
    return texts


def localized(result: Mapping, language: str) -> dict:
    """Return ``result`` with its texts in ``language`` (as it is, if not translated)."""
    parts = (result.get("translations") or {}).get(language)
    if not parts or result["meta"].get("language") == language:
        return dict(result)
    return {
        **result,
        "meta": {**result["meta"], **parts["meta"], "language": language},
        "columns": [
            {**column, "label": label}
            for column, label in zip(result["columns"], parts["columns"], strict=True)
        ],
        "sections": [
            {
                **section,
                "title": texts["title"],
                "questions": [
                    {
                        **question,
                        "text": q_texts["text"],
                        "kind_label": q_texts["kind_label"],
                        "condition": q_texts["condition"],
                        "rows": _relabel(question["rows"], q_texts["rows"]),
                        "items": [
                            {
                                **item,
                                "label": i_texts["label"],
                                "rows": _relabel(item["rows"], i_texts["rows"]),
                            }
                            for item, i_texts in zip(
                                question["items"], q_texts["items"], strict=True
                            )
                        ],
                    }
                    for question, q_texts in zip(
                        section["questions"], texts["questions"], strict=True
                    )
                ],
            }
            for section, texts in zip(result["sections"], parts["sections"], strict=True)
        ],
    }


def _relabel(rows, labels) -> list[dict]:
    return [{**row, "label": label} for row, label in zip(rows, labels, strict=True)]
