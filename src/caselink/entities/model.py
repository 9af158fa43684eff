"""The splink model for person mentions: comparisons, blocking rules and unsupervised training.

Everything here is backend-neutral splink (library comparison levels, ``block_on``), so the same
settings and the same trained parameters run on DuckDB (the default) or on Spark
(``linker_for(..., spark=session)``: the settings rendered in each backend's dialect with the
saved model's probabilities; ``tests/entities/test_spark.py`` checks both give the same pairs and
weights). Columns the model reads are made by ``caselink.entities.prepare``:
``first``, ``last``, ``formal`` (array of formal first names), ``initials``, ``last_initial``,
``dob``, ``dob_swap``, ``phone`` and ``vehicle`` (E.164 / plate of the same role in the same source),
and ``full_name`` (exact-name agreement is weighted by how common the name is among the mentions
scored: splink's term-frequency adjustment).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: splink model JSON this code writes (stored in ``entity_models``)
MODEL_FORMAT = "caselink-entity-model"
MODEL_VERSION = 1
#: per-comparison match weights; > 0 means that identifier (other than the name) agrees
IDENTIFIER_WEIGHTS = ("mw_dob", "mw_phone", "mw_vehicle")


def _name_comparison() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    same_first = cll.Or(cll.ExactMatchLevel("first"), cll.ArrayIntersectLevel("formal", 1))
    return cl.CustomComparison(output_column_name="name", comparison_description="first and last name", comparison_levels=[
        cll.NullLevel("last"),
        cll.ExactMatchLevel("full_name", term_frequency_adjustments=True).configure(
            label_for_charts="exact name (weighted by how common the name is)"),
        cll.And(cll.ExactMatchLevel("last"), cll.ArrayIntersectLevel("formal", 1)).configure(
            label_for_charts="same surname, nickname of the same first name"),
        cll.And(cll.ExactMatchLevel("last"), cll.JaroWinklerLevel("first", 0.88)).configure(
            label_for_charts="same surname, first name Jaro-Winkler >= 0.88"),
        cll.And(cll.JaroWinklerLevel("last", 0.9), same_first).configure(
            label_for_charts="same first name, surname Jaro-Winkler >= 0.9"),
        cll.ColumnsReversedLevel("first", "last", symmetrical=True).configure(
            label_for_charts="first and last name swapped"),
        cll.JaroWinklerLevel("sorted_name", 0.92).configure(label_for_charts="names in any order, Jaro-Winkler >= 0.92"),
        cll.And(cll.ExactMatchLevel("last"), cll.ExactMatchLevel("first_initial"),
                cll.CustomLevel("(length(first_l) = 1 OR length(first_r) = 1)", base_dialect_str="duckdb")).configure(
            label_for_charts="same surname, first initial only"),
        cll.And(cll.ExactMatchLevel("initials"), cll.ArrayIntersectLevel("tokens", 1)).configure(
            label_for_charts="same initials in any order and one name in common"),
        cll.JaroWinklerLevel("sorted_name", 0.8).configure(label_for_charts="names in any order, Jaro-Winkler >= 0.8"),
        cll.ElseLevel(),
    ])


def _dob_comparison() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(output_column_name="dob", comparison_description="date of birth", comparison_levels=[
        cll.NullLevel("dob"),
        cll.ExactMatchLevel("dob"),
        cll.ColumnsReversedLevel("dob", "dob_swap").configure(label_for_charts="day and month swapped",
                                                              m_probability=0.02),
        cll.ElseLevel().configure(m_probability=0.03),
    ])


def _exact_comparison(column: str, m_else: float) -> Any:
    """Exact match on ``column``; ``m_else`` is the prior chance one person's two mentions differ
    (kept when EM never sees that level, e.g. a person with two phones in a small store)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(output_column_name=column, comparison_levels=[
        cll.NullLevel(column), cll.ExactMatchLevel(column), cll.ElseLevel().configure(m_probability=m_else)])


def blocking_rules() -> list[Any]:
    """Pairs worth scoring: those sharing a phone, a vehicle, or a date of birth (as written or
    day/month swapped) with a matching initial. Names alone never make a candidate pair."""
    from splink import block_on

    return [block_on("phone"), block_on("vehicle"), block_on("dob", "last_initial"),
            block_on("dob", "initials"), "l.dob = r.dob_swap"]


def settings() -> Any:
    """The splink ``SettingsCreator`` for deduplicating person mentions."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="mention_id",
        comparisons=[_name_comparison(), _dob_comparison(), _exact_comparison("phone", 0.05),
                     _exact_comparison("vehicle", 0.05)],
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=False, retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["source_id"],
    )


def train(persons: pd.DataFrame, *, seed: int = 1, max_pairs: float = 2e6) -> dict[str, Any]:
    """Fit m and u without labels on prepared person mentions; returns the splink model JSON.

    u from random sampling; the prior from deterministic rules (same phone; same name and date of
    birth); m by expectation maximisation in two passes blocked on phone and on date of birth, so
    each comparison is estimated in a pass where it is not blocked on.
    """
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI()
    linker = Linker(db_api.register(persons), settings(), log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        ["l.phone = r.phone", "l.first = r.first and l.last = r.last and l.dob = r.dob"], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for rule in (block_on("phone"), block_on("dob", "last_initial")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    model = linker.misc.save_model_to_json()
    return {"format": MODEL_FORMAT, "version": MODEL_VERSION, "splink": model}


def linker_for(persons: Any, model: dict[str, Any], spark: Any = None) -> Any:
    """A linker over ``persons`` with a saved model (see ``train``): on DuckDB, or on Spark given a
    session (``spark_session``; ``persons`` a pandas or Spark DataFrame). Either way the SQL comes
    from ``settings_for`` in that backend's dialect."""
    from splink import DuckDBAPI, Linker

    if spark is None:
        return Linker(DuckDBAPI().register(persons), settings_for(model, "duckdb"), log_level=logging.ERROR)
    from splink import SparkAPI  # pyspark is only needed here (the optional "spark" extra)

    frame = persons if hasattr(persons, "rdd") else spark.createDataFrame(persons)
    return Linker(SparkAPI(spark_session=spark).register(frame), settings_for(model, "spark"),
                  log_level=logging.ERROR)


def settings_for(model: dict[str, Any], dialect: str) -> dict[str, Any]:
    """The saved model (trained on any backend) as splink settings for ``dialect``: the SQL comes
    from ``settings()`` rendered for that dialect, the trained numbers (prior, every level's m and
    u) from the model. A saved model's own SQL is written in the dialect it was trained on
    (DuckDB quotes names with "", which Spark reads as strings), so it is never reused as is."""
    from caselink.entities.normalise import NormaliseError

    check_model(model)
    trained = model["splink"]
    out: dict[str, Any] = settings().get_settings(dialect).as_dict()
    if [c["output_column_name"] for c in trained["comparisons"]] != [c["output_column_name"] for c in out["comparisons"]]:
        raise NormaliseError("the stored entity model's comparisons differ from this caselink's; "
                             "run 'caselink entities resolve' to train a new one")
    out["probability_two_random_records_match"] = trained["probability_two_random_records_match"]
    for mine, theirs in zip(out["comparisons"], trained["comparisons"], strict=True):
        if len(mine["comparison_levels"]) != len(theirs["comparison_levels"]):
            raise NormaliseError(f"the stored entity model's {mine['output_column_name']} levels differ from this "
                                 "caselink's; run 'caselink entities resolve' to train a new one")
        for level, fitted in zip(mine["comparison_levels"], theirs["comparison_levels"], strict=True):
            for key in ("m_probability", "u_probability"):
                if key in fitted:
                    level[key] = fitted[key]
    return out


def spark_session(cores: int = 2, memory: str = "2g", checkpoints: str | None = None) -> Any:
    """A local Spark session set up for ``linker_for`` (pyspark is the optional ``spark`` extra)."""
    import tempfile

    import splink.backends.spark as splink_spark
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(f"local[{int(cores)}]").appName("caselink-entities")
             .config("spark.jars", splink_spark.similarity_jar_location())
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", str(4 * int(cores)))
             .config("spark.driver.memory", memory).getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(checkpoints or tempfile.mkdtemp(prefix="caselink-spark-"))
    return spark


def check_model(model: dict[str, Any]) -> None:
    from caselink.entities.normalise import NormaliseError

    if model.get("format") != MODEL_FORMAT or model.get("version") != MODEL_VERSION:
        raise NormaliseError(f"the stored entity model is not a {MODEL_FORMAT} version {MODEL_VERSION} "
                             f"(got {model.get('format')!r} version {model.get('version')!r}); run "
                             f"'caselink entities resolve' to train a new one")
