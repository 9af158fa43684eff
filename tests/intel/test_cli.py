"""The `caselink intel` commands end to end, with time fixed by CASELINK_NOW."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from caselink.cli import main
from caselink.store import Store

from .helpers import load_cases


def _run(cli: CliRunner, args: list[str], now: str = "2026-03-02T09:00:00Z", code: int = 0) -> object:
    result = cli.invoke(main, args, env={"CASELINK_NOW": now})
    assert result.exit_code == code, result.output
    return orjson.loads(result.stdout) if "--json" in args else result.output


def test_cli_lifecycle(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path, user="setup") as store:
        load_cases(store, tmp_path)
    [added] = _run(cli, ["intel", "add", "--text", "He met a man online", "--relation", "Partner",
                         "--channel", "phone", "--case", "D1", "--mention", "phone:07700 900123:suspect",
                         "--json"])  # type: ignore[misc]
    rid = added["report_id"]
    assert rid == "INT-2026-000001" and added["priority"] == "high"
    text = _run(cli, ["intel", "add", "--text", "Saw a car", "--relation", "member of public",
                      "--channel", "online form"])
    assert "recorded INT-2026-000002" in str(text)

    listed = _run(cli, ["intel", "list", "--case", "D1", "--purpose", "review", "--json"])
    assert [r["report_id"] for r in listed] == [rid]  # type: ignore[union-attr]
    out = _run(cli, ["intel", "overdue", "--escalate", "--json"], now="2026-03-03T12:00:00Z")
    assert [e["to"] for e in out["escalated"]] == ["detective_sergeant"] * 2  # type: ignore[index]
    assert {o["report_id"] for o in out["overdue"]} == {rid, "INT-2026-000002"}  # type: ignore[index]

    _run(cli, ["intel", "ack", rid, "--reason", "rang back"], now="2026-03-03T12:00:00Z")
    refused = cli.invoke(main, ["intel", "action", rid, "--reason", "x", "--json"])
    assert refused.exit_code == 1
    assert orjson.loads(refused.stdout)["error"] == "invalid_transition"
    assert "the next step is assess" in refused.output
    for step in ("assess", "action"):
        _run(cli, ["intel", step, rid, "--reason", f"{step} done"], now="2026-03-03T13:00:00Z")
    closed = _run(cli, ["intel", "close", rid, "--outcome", "substantiated", "--reason", "arrest", "--json"],
                  now="2026-03-03T14:00:00Z")
    assert closed["state"] == "closed"  # type: ignore[index]
    shown = _run(cli, ["intel", "show", rid, "--purpose", "review", "--json"])
    assert [h["kind"] for h in shown["history"]] == ["received", "escalation", "transition", "transition",  # type: ignore[index]
                                                   "transition", "transition"]
    human = _run(cli, ["intel", "show", rid, "--purpose", "review"])
    assert "arrest" in str(human) and "He met a man online" in str(human)


def test_cli_bad_input(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path, user="setup") as store:
        load_cases(store, tmp_path)
    result = cli.invoke(main, ["intel", "add", "--text", "x", "--relation", "friend", "--channel", "phone",
                               "--case", "NOPE", "--json"])
    assert result.exit_code == 3 and orjson.loads(result.stdout)["error"] == "not_found"
    result = cli.invoke(main, ["intel", "add", "--text", "x", "--channel", "phone", "--mention", "car:1"])
    assert result.exit_code == 1
    assert "reporter_relation: is required" in result.output and "mentions[0]: kind 'car'" in result.output
    result = cli.invoke(main, ["intel", "list"])
    assert result.exit_code == 4 and "purpose" in result.output
    bad_policy = tmp_path / "p.yaml"
    bad_policy.write_text("version: 1\n", encoding="utf-8")
    result = cli.invoke(main, ["intel", "overdue", "--policy", str(bad_policy)])
    assert result.exit_code == 1 and "roles: must be a non-empty list" in result.output
    with Store.open(db_path, user="check") as store:
        assert store.con.execute("SELECT count(*) FROM intel_reports").fetchall()[0][0] == 0


def test_cli_add_from_file(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path, user="setup") as store:
        load_cases(store, tmp_path)
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps({"text": f"r{i}", "reporter_relation": "friend", "channel": "phone",
                                              "case_ids": ["D2"]}) for i in range(3)))
    added = _run(cli, ["intel", "add", "--file", str(path), "--json"])
    assert [r["text"] for r in added] == ["r0", "r1", "r2"]  # type: ignore[union-attr]


def test_cli_escalate_and_link(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path, user="setup") as store:
        load_cases(store, tmp_path)
    _run(cli, ["intel", "add", "--text", "t", "--relation", "friend", "--channel", "phone"])
    assert "nothing to escalate" in str(_run(cli, ["intel", "escalate"]))
    out = _run(cli, ["intel", "escalate", "--json"], now="2026-03-03T21:00:00Z")
    assert out == {"escalated": [{"report_id": "INT-2026-000001", "from": "intel_desk", "to": "detective_sergeant",
                                  "level": 1, "overdue_hours": 12.0,
                                  "due_at": "2026-03-03T09:00:00"}], "escalated_alerts": []}
    text = _run(cli, ["intel", "link", "INT-2026-000001", "B1", "--reason", "same street"])
    assert "now concerns B1" in str(text)
    listed = _run(cli, ["intel", "list", "--case", "B1", "--purpose", "p", "--json"])
    assert [r["report_id"] for r in listed] == ["INT-2026-000001"]  # type: ignore[union-attr]
