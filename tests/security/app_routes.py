"""The routes the app really serves, read from the app itself, so a new one cannot escape a table.

FastAPI 0.115 lists included routes in `app.routes`; newer releases keep included routers lazy
and flatten them with `fastapi.routing.iter_route_contexts`. Both are read the same way here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import fastapi.routing
from fastapi import FastAPI
from starlette.routing import BaseRoute, Mount

from ofacare.web.route import PageRoute

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class ServedRoute:
    method: str
    path: str
    route: BaseRoute

    @property
    def is_page(self) -> bool:
        return isinstance(self.route, PageRoute)


def served_routes(app: FastAPI) -> list[ServedRoute]:
    """Every (method, path) the app answers, HEAD left out; mounts appear once, as 'MOUNT'."""
    found = []
    for path, route in _flatten(app):
        if isinstance(route, Mount):
            found.append(ServedRoute("MOUNT", path, route))
            continue
        methods = getattr(route, "methods", None) or set()
        found += [ServedRoute(m, path, route) for m in sorted(methods) if m != "HEAD"]
    return found


def page_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {(r.method, r.path) for r in served_routes(app) if r.is_page}


def _flatten(app: FastAPI) -> Iterator[tuple[str, BaseRoute]]:
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    if flatten is None:  # FastAPI before lazy included routers: app.routes is already flat
        for route in app.routes:
            yield getattr(route, "path", ""), route
        return
    for context in flatten(app.routes):
        yield context.path, context.original_route
