"""Gather the data a hook needs: the prefetch the EHR sent, else the same queries on fhirServer.

A prefetch key the client sent (even as null: it looked and found nothing) is used as sent; an
OperationOutcome in its place counts as not sent. Keys that are missing are fetched from
`fhirServer` with the bearer token from `fhirAuthorization`, all at once, following search
`next` links for up to MAX_PAGES pages. A required key (discovery.py) that is neither sent nor
fetchable raises MissingFhirData (HTTP 412); an optional one is left out of the result, and the
cards that would depend on it are not made.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote

import httpx

from ofacare.errors import OfacareError
from ofacare.interop.cds_hooks.request import HookRequest
from ofacare.interop.fhir import MissingFhirData

MAX_PAGES = 5
FETCH_TIMEOUT_S = 3.0  # EHRs wait about 500 ms; a slower server fails the fetch, not the EHR
_TOKEN = re.compile(r"\{\{\s*context\.(\w+)\s*\}\}")


class FetchFailed(OfacareError):
    """The FHIR server did not give a usable answer (network error, 401, 5xx, not JSON)."""


class FhirReader(Protocol):
    """Reads one FHIR URL: the decoded JSON, None for 404/410, FetchFailed for anything else."""

    async def read(self, url: str, *, token: str | None) -> Any: ...


class HttpxFhirReader:
    """The FhirReader over HTTP with httpx."""

    def __init__(self, *, timeout_s: float = FETCH_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s

    async def read(self, url: str, *, token: str | None) -> Any:
        headers = {"Accept": "application/fhir+json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise FetchFailed("cds.fetch-failed", f"{url}: {type(exc).__name__}") from None
        if response.status_code in {404, 410}:
            return None
        if response.status_code != 200:
            raise FetchFailed("cds.fetch-failed", f"{url}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise FetchFailed("cds.fetch-failed", f"{url}: the answer is not JSON") from None


async def gather_data(
    request: HookRequest,
    templates: Mapping[str, str],
    *,
    required: Iterable[str],
    reader: FhirReader,
) -> dict[str, Any]:
    """The value of every key that was sent or could be fetched; 412 for a missing required one."""
    sent = {k: v for k, v in (request.prefetch or {}).items() if k in templates and _usable(v)}
    missing = [key for key in templates if key not in sent]
    fetched: dict[str, Any] = {}
    problems: dict[str, str] = {}
    if missing and request.fhirServer:
        results = await asyncio.gather(
            *(_fetch(request, templates[key], reader) for key in missing), return_exceptions=True
        )
        for key, result in zip(missing, results, strict=True):
            if isinstance(result, FetchFailed):
                problems[key] = result.message
            elif isinstance(result, BaseException):
                raise result
            else:
                fetched[key] = result
    absent = [key for key in required if key not in sent and key not in fetched]
    if absent:
        raise _missing(sorted(absent), request, problems)
    return {**sent, **fetched}


def render_query(template: str, context: Mapping[str, Any]) -> str:
    """A prefetch template with its {{context.x}} tokens filled in (URL-quoted).

    >>> render_query("Patient/{{context.patientId}}", {"patientId": "a b"})
    'Patient/a%20b'
    """

    def fill(match: re.Match[str]) -> str:
        value = context.get(match.group(1))
        if not isinstance(value, str | int):
            raise MissingFhirData(
                "cds.missing-context",
                f"context.{match.group(1)}: needed by a prefetch query but not given.",
                "Send it in the hook context.",
            )
        return quote(str(value), safe="")

    return _TOKEN.sub(fill, template)


async def _fetch(request: HookRequest, template: str, reader: FhirReader) -> Any:
    assert request.fhirServer is not None
    path, _, query = render_query(template, request.context).partition("?")
    try:
        url = str(httpx.URL(f"{request.fhirServer.rstrip('/')}/{path}", params=parse_qsl(query)))
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchFailed("cds.fetch-failed", f"fhirServer: not a usable URL ({exc})") from None
    value = await reader.read(url, token=request.token)
    if _is_outcome(value):
        raise FetchFailed("cds.fetch-failed", f"{url}: the server answered an OperationOutcome")
    pages = 1
    page = value
    base = request.fhirServer.rstrip("/") + "/"
    # Only follow links on the same server: the bearer token must not travel elsewhere.
    while pages < MAX_PAGES and (following := _next_link(page)) and following.startswith(base):
        page = await reader.read(following, token=request.token)
        if not isinstance(page, dict) or page.get("resourceType") != "Bundle":
            break
        first, more = value.get("entry") or [], page.get("entry") or []
        if not isinstance(more, list):  # half a search result would read as "not done"
            raise FetchFailed("cds.fetch-failed", f"{following}: the page's entry is not a list")
        if not isinstance(first, list):
            break  # reading the first page names its bad entry
        value["entry"] = [*first, *more]
        pages += 1
    return value


def _next_link(bundle: Any) -> str | None:
    """The URL of a searchset's next page; None when there is none or the links are malformed."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return None
    links = bundle.get("link")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) else None
    return None


def _usable(value: Any) -> bool:
    return not _is_outcome(value)


def _is_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def _missing(keys: list[str], request: HookRequest, problems: Mapping[str, str]) -> MissingFhirData:
    named = ", ".join(f"'{key}'" for key in keys)
    if not request.fhirServer:
        reason = "they were not prefetched and no fhirServer was given"
    else:
        reason = "they were not prefetched and fetching failed: " + "; ".join(
            f"{key}: {problems.get(key, 'no answer')}" for key in keys
        )
    return MissingFhirData(
        "cds.missing-data",
        f"prefetch {named}: required data is missing ({reason}).",
        "Send the prefetch keys listed in GET /cds-services, or a fhirServer with an access "
        "token that can read them.",
    )
