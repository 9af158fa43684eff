"""`caselink users` and `caselink serve --help`: accounts from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from caselink.cli import main
from caselink.store import Store

PASSWORD = "correct horse battery"


def test_users_add_list_token_disable(cli: CliRunner, db_path: Path) -> None:
    r = cli.invoke(main, ["users", "add", "ana", "--role", "analyst", "--scope", "agency=MPS",
                          "--password-stdin", "--json"], input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["scope"] == ["agency=MPS"]
    listed = json.loads(cli.invoke(main, ["users", "list", "--json"]).output)
    assert [(u["user_name"], u["role"], u["disabled"]) for u in listed] == [("ana", "analyst", False)]
    token = json.loads(cli.invoke(main, ["users", "token", "ana", "--days", "2", "--json"]).output)["token"]
    assert token.startswith("clk_")
    assert cli.invoke(main, ["users", "disable", "ana"]).exit_code == 0
    assert json.loads(cli.invoke(main, ["users", "list", "--json"]).output)[0]["disabled"] is True
    with Store.open(db_path, user="t") as store:
        actions = [r[0] for r in store.con.execute(
            "SELECT command FROM audit_log WHERE action = 'administration' ORDER BY seq").fetchall()]
    assert actions == ["users add", "token issue", "users disable"]


def test_users_add_refuses_bad_input(cli: CliRunner) -> None:
    short = cli.invoke(main, ["users", "add", "bob", "--role", "analyst", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "too short" in short.output
    scope = cli.invoke(main, ["users", "add", "bob", "--role", "analyst", "--scope", "colour=red",
                              "--password-stdin"], input=PASSWORD + "\n")
    assert scope.exit_code != 0 and "scope key" in scope.output
    role = cli.invoke(main, ["users", "add", "bob", "--role", "god", "--password-stdin"], input=PASSWORD + "\n")
    assert role.exit_code != 0


def test_serve_help_names_the_store_lock(cli: CliRunner) -> None:
    r = cli.invoke(main, ["serve", "--help"])
    assert r.exit_code == 0 and "--port" in r.output and "store in use" in r.output


def test_demo_step_creates_one_account_per_role(db_path: Path) -> None:
    from caselink.accounts import Accounts
    from caselink.web.demo import demo_step

    with Store.open(db_path, user="demo") as store:
        text = demo_step(store)
        password = text.split("demo-analyst")[1].split("password ")[1].split()[0]
        assert Accounts(store).login("demo-analyst", password).role == "analyst"
        assert "already created" in demo_step(store)


def test_users_add_warns_when_the_scope_matches_no_case(tmp_path: Path, db_path: Path) -> None:
    from tests.corpus import valid_record

    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(valid_record(i, agency="Metropolitan Police Service")) + "\n" for i in range(3)))
    runner = CliRunner(env={"CASELINK_DB": str(db_path), "CASELINK_USER": "tester"})
    assert runner.invoke(main, ["ingest", str(path), "--no-link"]).exit_code == 0
    miss = runner.invoke(main, ["users", "add", "ana", "--role", "analyst", "--scope", "agency=MPS",
                                "--password-stdin"], input=PASSWORD + "\n")
    assert miss.exit_code == 0, miss.output
    assert "matches none of the 3 cases" in miss.output and "'Metropolitan Police Service'" in miss.output
    hit = runner.invoke(main, ["users", "add", "bo", "--role", "analyst", "--scope",
                               "agency=Metropolitan Police Service", "--password-stdin"], input=PASSWORD + "\n")
    assert hit.exit_code == 0 and "warning" not in hit.output
