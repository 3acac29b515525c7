"""`ofacare cds serve`: a bad option is one `Error:` line with exit 2 (the server itself is tested
in tests/interop/cds_hooks/test_serve.py)."""

from __future__ import annotations

import pytest

from ofacare.cli.main import main


@pytest.mark.parametrize("port", ["0", "70000"])
def test_a_port_outside_the_tcp_range_is_one_error_line_with_exit_2(capsys, port):
    assert main(["cds", "serve", "--port", port]) == 2
    err = capsys.readouterr().err
    assert err == f"Error: --port: {port} is not a TCP port. Use 1-65535.\n"


def test_a_port_that_is_not_a_number_is_a_usage_error_with_exit_2(capsys):
    assert main(["cds", "serve", "--port", "http"]) == 2
    assert capsys.readouterr().err.startswith("Error: ")
