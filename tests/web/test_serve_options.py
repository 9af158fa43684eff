"""`caselink serve --log-level --access-log --root-path --proxy-headers`, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from caselink.cli.serve import normal_root_path
from caselink.store import Store

from .server import free_port


def test_root_path_is_normalised() -> None:
    assert normal_root_path("caselink/") == "/caselink" and normal_root_path("/") == "" and normal_root_path("") == ""


@pytest.mark.slow
def test_served_behind_a_proxy_that_strips_the_prefix_with_an_access_log(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    Store.open(db, user="setup").close()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "caselink", "serve", "--db", str(db), "--port", str(port), "--escalate-minutes", "0",
         "--log-level", "info", "--access-log", "--root-path", "/caselink/", "--proxy-headers"],
        stderr=subprocess.STDOUT, stdout=subprocess.PIPE, text=True, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                r = httpx.get(f"{base}/healthz", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not start")
        assert r.status_code == 200 and r.json()["status"] == "ok"
        doc = httpx.get(f"{base}/api/v1/openapi.json", timeout=5).json()
        assert {"url": "/caselink"} in doc["servers"]
    finally:
        proc.terminate()
        err, _ = proc.communicate(timeout=20)   # uvicorn's access lines go to standard output
    assert "203.0.113.9" in err and "/healthz" in err, err[-2000:]   # the access line names the proxied client
