"""Point 6 of issue 20: 405 answers say which methods a path takes, the OpenAPI schema is as
strict as the server for mentions and dates, and dates are never numbers read as timestamps."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import bearer

API = "/api/v1"


def test_405_names_the_allowed_methods(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.delete(f"{API}/cases", headers=bearer(tokens["analyst_all"]))
    assert r.status_code == 405 and "GET" in r.headers["allow"]
    r = client.get(f"{API}/auth/login")
    assert r.status_code == 405 and r.headers["allow"] == "POST"


def test_dates_in_queries_are_dates_not_numbers(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["supervisor_all"])
    for bad in ("0.0", "0", "1e9", "2014-02-30", "2014-6-1"):
        r = client.get(f"{API}/cases/export.csv", params={"occurred_before": bad}, headers=h)
        assert r.status_code == 422, (bad, r.status_code, r.text[:200])
    assert client.get(f"{API}/cases/export.csv", params={"occurred_before": "2014-12-31"}, headers=h).status_code == 200


def test_openapi_is_as_strict_as_the_server(client: TestClient, tokens: dict[str, str]) -> None:
    schema = client.get(f"{API}/openapi.json").json()["components"]["schemas"]
    kind = schema["MentionIn"]["properties"]["kind"]
    assert set(kind["enum"]) == {"person", "phone", "vehicle", "address", "handle", "email"}
    body = {"text": "a tip", "reporter_relation": "friend", "channel": "phone", "mentions": [{"kind": "0", "value": "x"}]}
    assert client.post(f"{API}/intel", json=body, headers=bearer(tokens["analyst_all"])).status_code == 422
    params = {p["name"]: p for path in ("/api/v1/cases",) for p in client.get(f"{API}/openapi.json").json()
              ["paths"][path]["get"]["parameters"]}
    assert "pattern" in str(params["occurred_before"]["schema"])
