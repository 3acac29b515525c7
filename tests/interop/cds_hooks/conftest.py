from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ofacare.interop.cds_hooks import create_cds_app
from ofacare.knowledge import default_knowledge
from tests.interop.cds_hooks.support import TODAY


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_cds_app(clock=lambda: TODAY)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="session")
def kb_version() -> str:
    return default_knowledge().version
