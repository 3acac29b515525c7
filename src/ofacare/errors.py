"""The errors that reach people: a stable dotted code, a message naming field and value, a hint."""

from __future__ import annotations

import reprlib
from datetime import date

_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 60
_SHOWN.maxlong, _SHOWN.maxlevel = 40, 3


def quote_value(value: object) -> str:
    """A bad value as a message quotes it: short however long or deeply nested it is.

    >>> quote_value("2026-13-01"), quote_value(date(2026, 1, 5)), quote_value([[[[[1]]]]])
    ("'2026-13-01'", "'2026-01-05'", '[[[[...]]]]')
    >>> quote_value(10**100)
    '100000000000000000...0000000000000000000'
    """
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    return _SHOWN.repr(value)


class OfacareError(Exception):
    """Base of every error ofacare shows to a person."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class InvalidInput(OfacareError):
    """Input from outside was malformed or contradicts itself; nothing was done."""


class NotFound(OfacareError):
    """A thing asked for by id does not exist."""


class KnowledgeDataError(OfacareError):
    """The knowledge base files are broken; names the file, the id and the field."""


class NotSignedIn(OfacareError):
    """The request carries no valid session or API token."""


class NotAllowed(OfacareError):
    """The person is signed in but their role may not do this to a record they can see."""


class TooManyAttempts(OfacareError):
    """Sign-in is throttled after repeated failures; `retry_after_seconds` says for how long."""

    def __init__(
        self, code: str, message: str, hint: str = "", *, retry_after_seconds: int
    ) -> None:
        super().__init__(code, message, hint)
        self.retry_after_seconds = retry_after_seconds


class Conflict(OfacareError):
    """The request clashes with what is stored (an idempotency key reused for other content)."""


HTTP_STATUS: tuple[tuple[type[OfacareError], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (NotSignedIn, 401),
    (NotAllowed, 403),
    (Conflict, 409),
    (TooManyAttempts, 429),
)
"""The HTTP status the doors (API and pages) answer each kind of error with; others are 500."""


def http_status(error: OfacareError) -> int:
    """The status for `error`: 422 for bad input, 404 for a missing thing, ..., else 500.

    >>> http_status(NotFound("x.missing", "gone"))
    404
    """
    return next((status for kind, status in HTTP_STATUS if isinstance(error, kind)), 500)
