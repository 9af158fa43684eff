"""Property-based API test: schemathesis generates requests for every operation in the OpenAPI
description; no response may be a server error or break the described schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from caselink.accounts import Accounts, ManualClock, get_user
from caselink.store import Store

pytestmark = pytest.mark.slow
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@pytest.fixture
def auth(server_store: Store, clock: ManualClock) -> Any:
    def headers(path: str) -> dict[str, str]:
        # A fresh token per call, so a generated logout cannot end the run's session.
        name = "admin_all" if "/audit/" in path else "supervisor_all"
        token = Accounts(server_store, clock).issue_token(get_user(server_store, name), "fuzz", purpose="OP-FUZZ")
        return {"Authorization": f"Bearer {token}"}

    return headers


def test_no_server_errors_and_no_schema_violations(api_schema: Any, auth: Any) -> None:
    """Every operation of /api/v1/openapi.json, 25 generated requests each (schemathesis'
    pytest fixture loader does not work with this pytest, so operations are driven directly)."""
    from hypothesis import given

    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 13
    failures: list[str] = []
    calls: dict[str, int] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: Any) -> None:
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
            case.call_and_validate(headers=auth(case.path), checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every failing operation, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:800]}")
    assert failures == [], "\n\n".join(failures)
    assert len(calls) == len(operations) and min(calls.values()) >= 1, calls
