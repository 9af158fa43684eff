"""Writing scored links and linkage alerts: one transaction with its "combination" audit row."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from caselink import audit
from caselink.alerts import raise_alert

if TYPE_CHECKING:
    import duckdb
    import pandas as pd


MAX_ALERTS = 1000  # per run: a bulk load of history must not bury the alerts list
ALERT_LINKS = 5    # links shown in one alert's detail


class LinkWriter:
    """The links of one run, written chunk by chunk inside the caller's transaction (so memory
    stays bounded however many pairs are kept); alerts and the "combination" audit row at the end.

    Replaces the links of ``linked_ids`` (all links if ``full``)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, ids: np.ndarray, *, model: Any, linked_ids: Sequence[str],
                 full: bool, alert_probability: float | None) -> None:
        import pandas as pd

        self.con, self.ids, self.model, self.full = con, ids, model, full
        self.linked = [str(c) for c in linked_ids]
        self.alert_probability = alert_probability
        self.count, self.seconds = 0, 0.0
        self._strong: list[pd.DataFrame] = []
        t0 = time.perf_counter()
        self.table = "links"
        # a full run writes a new table swapped in at the end (deleting and re-inserting every key
        # is ~15x slower), unless extra indexes on links would be lost by the swap
        if full and not _has_indexes(con, "links"):
            self.table = "links_next"
            con.execute("DROP TABLE IF EXISTS links_next")
            con.execute(_renamed_ddl(con, "links", "links_next"))
        elif full:
            con.execute("DELETE FROM links")
        else:
            con.register("_linked", pd.DataFrame({"case_id": self.linked}))
            con.execute("DELETE FROM links WHERE case_a IN (SELECT case_id FROM _linked) "
                        "OR case_b IN (SELECT case_id FROM _linked)")
            con.unregister("_linked")
        self.seconds += time.perf_counter() - t0

    def add(self, a: np.ndarray, b: np.ndarray, prob: np.ndarray, log_odds: np.ndarray,
            explanations: list[str]) -> None:
        """Insert one chunk of kept pairs (row positions into ``ids``)."""
        import pandas as pd

        if not len(a):
            return
        t0 = time.perf_counter()
        ida, idb = self.ids[a].astype(str), self.ids[b].astype(str)
        swap = ida > idb
        rows = pd.DataFrame({"case_a": np.where(swap, idb, ida), "case_b": np.where(swap, ida, idb),
                             "probability": prob, "log_odds": log_odds, "explanation": explanations})
        self.con.register("_new_links", rows)
        self.con.execute(f"INSERT INTO {self.table} SELECT case_a, case_b, probability, log_odds, explanation, ?, ?, "
                         "now()::TIMESTAMP FROM _new_links ORDER BY case_a, case_b",
                         [self.model.name, self.model.version])
        self.con.unregister("_new_links")
        self.count += len(rows)
        if self.alert_probability is not None:
            self._strong.append(rows[rows["probability"] >= self.alert_probability])
        self.seconds += time.perf_counter() - t0

    def finish(self, *, user: str, detail: dict[str, Any], command: str, purpose: str,
               frame: pd.DataFrame) -> list[int]:
        """Raise the alerts and append the audit row; returns the new alert ids."""
        import pandas as pd

        t0 = time.perf_counter()
        if self.table != "links":
            self.con.execute("DROP TABLE links")
            self.con.execute(f"ALTER TABLE {self.table} RENAME TO links")
            self.table = "links"
        alert_ids: list[int] = []
        if self.alert_probability is not None and self._strong:
            strong = pd.concat(self._strong, ignore_index=True)
            alert_ids = _raise_alerts(self.con, strong, frame, set(self.linked), self.alert_probability, self.model)
        audit.append(self.con, user=user, action="combination", command=command, case_ids=self.linked,
                     purpose=purpose, detail={**detail, "stored_links": self.count, "alerts": len(alert_ids),
                                              "model": f"{self.model.name} {self.model.version}", "full": self.full})
        self.seconds += time.perf_counter() - t0
        return alert_ids


def _has_indexes(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``table`` has indexes besides its primary key (``CREATE INDEX``)."""
    row = con.execute("SELECT count(*) FROM duckdb_indexes() WHERE schema_name = 'main' AND table_name = ?",
                      [table]).fetchone()
    return bool(row and row[0])


def _renamed_ddl(con: duckdb.DuckDBPyConnection, table: str, new_name: str) -> str:
    """``CREATE TABLE`` of ``table`` as the store has it (columns, NOT NULL, primary key), for ``new_name``."""
    from caselink.errors import StoreError

    row = con.execute("SELECT sql FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
                      [table]).fetchone()
    prefix = f"CREATE TABLE {table}("
    if row is None or not str(row[0]).startswith(prefix):
        raise StoreError(f"cannot read the definition of table {table!r} from the store")
    return f"CREATE TABLE {new_name}(" + str(row[0])[len(prefix):]


def _earlier_links(rows: pd.DataFrame, frame: pd.DataFrame, linked: set[str], threshold: float) -> pd.DataFrame:
    """Links at or above ``threshold`` from a newly linked case to a case that came before it:
    one already in the store, or one in the same batch that occurred earlier."""
    import pandas as pd

    strong = rows[rows["probability"] >= threshold]
    if strong.empty:
        return strong.assign(case_id=[], other=[])
    when = pd.Series(frame["t_from"].to_numpy(), index=frame["case_id"].to_numpy())
    both = pd.concat([strong.assign(case_id=strong["case_a"], other=strong["case_b"]),
                      strong.assign(case_id=strong["case_b"], other=strong["case_a"])], ignore_index=True)
    both = both[both["case_id"].isin(linked)]
    other_new = both["other"].isin(linked)
    t_self = when[both["case_id"].to_numpy()].to_numpy()
    t_other = when[both["other"].to_numpy()].to_numpy()
    earlier = (t_other < t_self) | ((t_other == t_self) & (both["other"].to_numpy() < both["case_id"].to_numpy()))
    return both[~other_new.to_numpy() | earlier]


def _raise_alerts(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, frame: pd.DataFrame, linked: set[str],
                  threshold: float, model: Any) -> list[int]:
    hits = _earlier_links(rows, frame, linked, threshold)
    if hits.empty:
        return []
    hits = hits.sort_values(["probability", "other"], ascending=[False, True])
    groups = dict(tuple(hits.groupby("case_id", sort=False)))
    best = hits.groupby("case_id")["probability"].max().sort_values(ascending=False)
    alert_ids: list[int] = []
    for case_id in best.index[:MAX_ALERTS]:
        mine = groups[case_id]
        related = [str(c) for c in mine["other"]]
        top = mine.iloc[0]
        links = [{"case_id": str(r.other), "probability": round(float(r.probability), 4),
                  "log_odds": round(float(r.log_odds), 4), "explanation": orjson.loads(r.explanation)}
                 for r in mine.head(ALERT_LINKS).itertuples()]
        key = hashlib.sha256(orjson.dumps([case_id, sorted(related), model.name, model.version])).hexdigest()[:32]
        title = (f"{case_id} links to {len(related)} earlier case{'s' if len(related) != 1 else ''} "
                 f"(best {top['other']}, p={float(top['probability']):.2f})")
        new_id = raise_alert(con, kind="linkage", title=title, dedupe_key=f"linkage:{key}", case_id=str(case_id),
                             related_ids=related, score=float(top["probability"]),
                             detail={"links": links, "model": f"{model.name} {model.version}",
                                     "threshold": threshold, "suppressed": max(0, len(best) - MAX_ALERTS)})
        if new_id is not None:
            alert_ids.append(new_id)
    return alert_ids
