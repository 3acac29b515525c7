"""`ofacare cds serve` as a real server: started in a subprocess on a free port, called over a
socket with httpx the way an EHR calls it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.interop.cds_hooks.support import (
    ORDER_SIGN,
    load,
    order_sign,
    screened_prefetch,
    searchset,
)

STARTUP_S = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "ofacare.cli.main", "cds", "serve", "--port", str(port)]
    log = tmp_path_factory.mktemp("cds-serve") / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                httpx.get(f"{url}/cds-services", timeout=1.0)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"ofacare cds serve did not start: {log.read_text()[-2000:]}")
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_real_server_answers_discovery(base_url):
    response = httpx.get(f"{base_url}/cds-services", timeout=5.0)
    assert response.status_code == 200
    assert {s["hook"] for s in response.json()["services"]} == {"order-sign", "patient-view"}


def test_the_real_server_answers_an_order_sign_hook_with_a_critical_card(base_url):
    prefetch = screened_prefetch()
    prefetch["hbsag"] = searchset(load("observation_hbsag_positive"))
    response = httpx.post(
        f"{base_url}/cds-services/{ORDER_SIGN}", json=order_sign(prefetch), timeout=10.0
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    critical = [c for c in response.json()["cards"] if c["indicator"] == "critical"]
    assert [c["source"]["topic"]["code"] for c in critical] == ["finding.hbv-active"]


def test_the_real_server_answers_a_bad_body_with_400(base_url):
    response = httpx.post(
        f"{base_url}/cds-services/{ORDER_SIGN}",
        content=b"[]",
        headers={"Content-Type": "application/json"},
        timeout=5.0,
    )
    assert response.status_code == 400
    assert response.json()["ok"] is False
