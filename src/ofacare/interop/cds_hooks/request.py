"""The CDS Hooks request bodies, validated; a bad body raises InvalidInput naming the field."""

from __future__ import annotations

import json
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ofacare.errors import InvalidInput, quote_value


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)


class FhirAuthorization(_Body):
    """The OAuth 2.0 access token the service may use on fhirServer."""

    access_token: str = Field(min_length=1)
    token_type: str = Field(min_length=1)
    expires_in: int
    scope: str
    subject: str
    patient: str | None = None


class HookRequest(_Body):
    """A hook call: hook, hookInstance, context, prefetch, and where to fetch what is missing."""

    hook: str = Field(min_length=1)
    hookInstance: str = Field(min_length=1)  # noqa: N815 (the spec's field names)
    fhirServer: str | None = None  # noqa: N815
    fhirAuthorization: FhirAuthorization | None = None  # noqa: N815
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _server_for_token(self) -> HookRequest:
        if self.fhirServer is not None and not is_http_url(self.fhirServer):
            raise ValueError(
                f"fhirServer must be an http(s) URL, got {quote_value(self.fhirServer)}"
            )
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirServer is required when fhirAuthorization is sent")
        return self

    @property
    def token(self) -> str | None:
        return self.fhirAuthorization.access_token if self.fhirAuthorization else None


def is_http_url(text: str) -> bool:
    """Whether text is an absolute http(s) URL with a host and a valid port, nothing odd in it.

    >>> is_http_url("https://ehr.example.org/fhir"), is_http_url("http://[::1"), is_http_url("ftp://x")
    (True, False, False)
    """
    if not text.isprintable() or " " in text:
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number in range)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


class PatientViewContext(_Body):
    userId: str = Field(min_length=1)  # noqa: N815
    patientId: str = Field(min_length=1)  # noqa: N815
    encounterId: str | None = None  # noqa: N815


class OrderSignContext(PatientViewContext):
    draftOrders: dict[str, Any]  # noqa: N815


Body = TypeVar("Body", bound=BaseModel)


def read_json_body(raw: bytes) -> Any:
    """The decoded JSON body; InvalidInput when it is not JSON."""
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "cds.bad-request",
            f"request body: not valid JSON ({exc}).",
            "Send a CDS Hooks request as application/json.",
        ) from None
    except RecursionError:  # json gives up on nesting deeper than Python's recursion limit
        raise InvalidInput(
            "cds.bad-request",
            "request body: arrays or objects are nested too deeply to read.",
            "Send a CDS Hooks request as application/json.",
        ) from None


def parse_body(model: type[Body], raw: Any, *, where: str = "") -> Body:
    """Validate a decoded body (or part of one); InvalidInput names the first bad field."""
    if not isinstance(raw, dict):
        raise InvalidInput(
            "cds.bad-request",
            f"{where or 'request body'}: expected a JSON object, got {type(raw).__name__}.",
            "See docs/cds-hooks.md for the request format.",
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        path = ".".join(str(part) for part in (where, *problem["loc"]) if part != "")
        message = problem["msg"].removeprefix("Value error, ")
        raise InvalidInput(
            "cds.bad-request",
            f"{path or 'request body'}: {message}.",
            "See docs/cds-hooks.md for the request format.",
        ) from exc
