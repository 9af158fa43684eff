"""The entity model trained on DuckDB runs on Spark (local, started by the test) and joins the
same person mentions with the same match weights.

Needs pyspark (a test dependency) and Java (``scripts/install-java.sh``; CI runs it)."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from caselink.entities.evaluate import synth_mentions
from caselink.entities.model import linker_for, settings_for, spark_session, train
from caselink.entities.normalise import NormaliseError
from caselink.entities.resolve import ResolveConfig, accept, person_frame, prepare, score_pairs


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.fail("Java is needed for the Spark tests: run scripts/install-java.sh")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pyspark 4 on pandas 3
        session = spark_session(cores=2, memory="1g")
    yield session
    session.stop()


def test_a_model_trained_on_duckdb_gives_the_same_pairs_and_weights_on_spark(spark: Any) -> None:
    frame, _ = synth_mentions(3000, seed=0)
    persons = person_frame(prepare(frame))
    model = train(persons, seed=1)
    config = ResolveConfig()
    on_duckdb = score_pairs(persons, model, config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        linker = linker_for(persons, model, spark=spark)
        on_spark = accept(linker.inference.predict(threshold_match_probability=config.threshold)
                          .as_pandas_dataframe(), config, persons)
    assert len(on_duckdb) > 100  # people really are joined (by name variants, DOB, phone)
    key = ["mention_id_l", "mention_id_r"]
    both = on_duckdb.merge(on_spark, on=key, how="outer", suffixes=("_duckdb", "_spark"), indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"][key].head()
    assert (both["match_weight_duckdb"] - both["match_weight_spark"]).abs().max() < 1e-9


def test_a_model_from_other_settings_is_refused() -> None:
    frame, _ = synth_mentions(400, seed=1)
    model = train(person_frame(prepare(frame)), seed=1)
    model["splink"]["comparisons"] = model["splink"]["comparisons"][:2]
    with pytest.raises(NormaliseError, match="differ"):
        settings_for(model, "spark")
