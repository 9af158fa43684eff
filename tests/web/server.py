"""A real HTTP server (uvicorn in a thread) over a linked synthetic store, for browser tests
and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from caselink.accounts import Scope, add_user
from caselink.api import Settings, create_app
from caselink.store import Store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def linked_store(folder: Path, n_cases: int, users: dict[str, str], password: str, seed: int = 3) -> Path:
    """A store of synthetic cases, linked on ingest (so it has links, series and alerts), with users."""
    import caselink.linkage  # noqa: F401  (registers linking after ingest)
    from caselink.synth import write_jsonl

    data, db = folder / "synth.jsonl", folder / "server.duckdb"
    write_jsonl(n_cases, str(data), seed=seed)
    with Store.open(db, user="setup") as store:
        store.ingest([data], show_progress=False)
        for name, role in users.items():
            add_user(store, name, role, password, Scope())
    return db


@contextmanager
def running_server(db: Path, **settings: Any) -> Iterator[str]:
    """Serve ``db`` on a free loopback port; yields the base URL and stops the server after."""
    port = free_port()
    app = create_app(Settings(db_path=db, **settings))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.caselink.store.close()
