"""Migrations are applied by set difference: any unapplied file runs; an unknown applied one is refused."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from caselink.errors import StoreError
from caselink.store import Store
from caselink.store.migrate import Migration, applied_migrations, available_migrations, migrate


def _shipped(*extra: Migration) -> list[Migration]:
    return sorted([*available_migrations(), *extra], key=lambda m: m.version)


def test_a_new_store_gets_every_shipped_migration(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    applied = migrate(con)
    assert applied == [m.version for m in available_migrations()]
    assert migrate(con) == []                    # idempotent


def test_a_late_low_number_still_runs_on_a_store_past_it(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    late_high = Migration(9990, "late_high", "CREATE TABLE t_high (x INTEGER)")
    migrate(con, _shipped(late_high))
    low = Migration(9980, "landed_later", "CREATE TABLE t_low (x INTEGER)")
    assert migrate(con, _shipped(late_high, low)) == [9980]
    assert con.execute("SELECT count(*) FROM t_low").fetchone() == (0,)
    assert 9980 in applied_migrations(con)


def test_an_applied_version_this_build_does_not_ship_is_an_error(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    migrate(con, _shipped(Migration(9990, "from_newer_build", "SELECT 1")))
    with pytest.raises(StoreError, match="9990_from_newer_build.*upgrade caselink"):
        migrate(con)


def test_the_same_number_with_another_name_is_an_error(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    migrate(con, _shipped(Migration(9990, "one_change", "SELECT 1")))
    with pytest.raises(StoreError, match="same number"):
        migrate(con, _shipped(Migration(9990, "another_change", "SELECT 1")))


def test_a_failing_migration_leaves_nothing_recorded(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    migrate(con)
    with pytest.raises(duckdb.Error):
        migrate(con, _shipped(Migration(9990, "broken", "CREATE TABLE ok1 (x INTEGER); SELEC oops")))
    assert 9990 not in applied_migrations(con)


def test_opening_a_store_migrated_by_a_newer_build_says_so(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, _shipped(Migration(9990, "from_newer_build", "SELECT 1")))
    con.close()
    with pytest.raises(StoreError, match="does not ship"), Store.open(path, user="t"):
        pass
