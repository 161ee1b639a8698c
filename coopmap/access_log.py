"""Keep personal tokens out of access logs (runserver's and gunicorn's).

A path whose URL pattern has a ``token`` argument (survey links, edit links, confirmation
links) is written with that segment replaced by ``[token]``. The URLconf decides, so a new
personal link is redacted without touching this module.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

from django.urls import Resolver404, resolve
from gunicorn.glogging import Logger

REDACTED = "[token]"
# A path inside a log line, perhaps after a scheme and host, up to whitespace, '?' or '#'.
PATH = re.compile(r"(?<![^\s\"'])((?:[a-z]+://[^/\s\"']*)?)(/[^\s\"'?#]*)")


def redact_path(path: str) -> str:
    """Return ``path`` with the segments that are personal tokens replaced."""
    try:
        match = resolve(unquote(path))
    except (Resolver404, ValueError):
        return path
    token = match.kwargs.get("token")
    if not token:
        return path
    return "/".join(REDACTED if unquote(part) == token else part for part in path.split("/"))


def redact_tokens(text: str) -> str:
    """Return ``text`` (a request line, a path, a referer) with personal tokens replaced."""
    if "/" not in text:
        return text
    return PATH.sub(lambda found: found.group(1) + redact_path(found.group(2)), text)


class RedactTokensFilter(logging.Filter):
    """A logging filter for ``django.server``: redact the request line in each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = redact_tokens(record.msg)
        return True


# The atoms of gunicorn's access log format that can hold a path.
GUNICORN_PATH_ATOMS = ("r", "U", "f", "{referer}i", "{raw_uri}e", "{path_info}e")


class RedactingGunicornLogger(Logger):
    """gunicorn's logger, with personal tokens replaced in the access log's paths.

    Used by the Dockerfile: ``gunicorn --logger-class coopmap.access_log.RedactingGunicornLogger``.
    """

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in GUNICORN_PATH_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_tokens(atoms[name])
        return atoms
