"""``generate``: synthetic case records with planted series, entity mentions and the full truth.

Example:
    >>> from caselink.synth import generate
    >>> result = generate(1000, seed=7)
    >>> first = next(iter(result.records))
    >>> result.truth["offenders"]  # every offender's cases, solved or not
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from caselink.errors import CaselinkError
from caselink.synth import barking, geo, render
from caselink.synth.background import background
from caselink.synth.columns import Columns
from caselink.synth.names import FIRST, SURNAMES
from caselink.synth.offenders import make_profiles, series_cases
from caselink.synth.people import Mentions, People, entity_layout, plan_entities
from caselink.synth.profiles import Profile, get_profile
from caselink.synth.truth import build_truth

MAX_CASES = 5_000_000


class SynthError(CaselinkError):
    """Generator settings that cannot produce data (e.g. a negative size or an empty window)."""

    code = "synth_error"


@dataclass(frozen=True)
class SynthConfig:
    """Generator settings; the defaults are the project's reference benchmark."""

    n_cases: int
    seed: int = 0
    start: str = "2012-01-01"
    end: str = "2020-01-01"
    series_share: float = 0.25
    plant_barking: bool = True
    profile: str = "london-deaths"

    def window(self) -> tuple[int, int]:
        try:
            t0, t1 = (int(datetime.fromisoformat(d).replace(tzinfo=UTC).timestamp()) for d in (self.start, self.end))
        except ValueError as exc:
            raise SynthError(f"start/end must be ISO dates (YYYY-MM-DD): {exc}") from None
        if t1 - t0 < 30 * 86400:
            raise SynthError(f"the window {self.start}..{self.end} must span at least 30 days")
        return t0, t1


class RecordStream:
    """The records of a result: iterable any number of times, with a length."""

    def __init__(self, result: SynthResult) -> None:
        self._result = result

    def __iter__(self) -> Iterator[dict[str, Any]]:
        from caselink.synth.records import iter_records

        return iter_records(self._result)

    def __len__(self) -> int:
        return len(self._result.columns)


@dataclass
class SynthResult:
    """Generated cases (as columns, rendered lazily into ``records``) and their ``truth``."""

    config: SynthConfig
    columns: Columns
    people: People
    mentions: Mentions
    area: np.ndarray
    rand: np.ndarray
    profiles_home: dict[int, tuple[float, float]]
    offender_kind: dict[int, str]
    narrative_overrides: dict[int, str] = field(default_factory=dict)

    @cached_property
    def profile(self) -> Profile:
        return get_profile(self.config.profile)

    @cached_property
    def case_ids(self) -> list[str]:
        return [f"SY{self.config.seed}-{i:07d}" for i in range(len(self.columns))]

    @cached_property
    def mention_starts(self) -> np.ndarray:
        return np.searchsorted(self.mentions.case, np.arange(len(self.columns) + 1))

    @cached_property
    def layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return entity_layout(self.mentions, self.people)

    def series_label(self, offender: int) -> str:
        return f"SY{self.config.seed}-S{offender:05d}"

    @property
    def records(self) -> RecordStream:
        return RecordStream(self)

    @cached_property
    def truth(self) -> dict[str, Any]:
        return build_truth(self)

    def write_jsonl(self, path: str | Path | None) -> int:
        """Write the records as JSON Lines (``None``: standard output); return the count."""
        import sys

        import orjson

        out = sys.stdout.buffer if path is None else open(path, "wb")  # noqa: SIM115
        n, batch = 0, []
        try:
            for record in self.records:
                batch.append(orjson.dumps(record))
                if len(batch) == 10_000:
                    out.write(b"\n".join(batch) + b"\n")
                    n, batch = n + len(batch), []
            if batch:
                out.write(b"\n".join(batch) + b"\n")
            n += len(batch)
        finally:
            if path is not None:
                out.close()
            else:
                out.flush()
        return n

    def write_csv(self, path: str | Path) -> int:
        """Write cases CSV plus ``<stem>.entities.csv`` (lists joined by ``|``)."""
        from caselink.export import write_csv

        return write_csv(iter(self.records), Path(path))

    def write_truth(self, path: str | Path) -> None:
        import orjson

        Path(path).write_bytes(orjson.dumps(self.truth, option=orjson.OPT_SERIALIZE_NUMPY))


def generate(n_cases: int, seed: int = 0, *, profile: str = "london-deaths", start: str | None = None,
             end: str | None = None, series_share: float | None = None, plant_barking: bool = True) -> SynthResult:
    """Generate ``n_cases`` cases of ``profile`` (see ``caselink.synth.PROFILES``) deterministically for ``seed``.

    ``series_share`` of cases come from serial offenders (the profile's share unless given; about
    60% of London's series are solved, so labelled); the rest are background. ``start``/``end``
    default to the profile's period. ``plant_barking`` adds the four-death Barking-like series
    (London only) when the window covers 2014-15 and there are at least 50 cases.
    """
    prof = get_profile(profile)
    share = prof.behaviour.series_share if series_share is None else series_share
    cfg = SynthConfig(n_cases, seed, start or prof.start, end or prof.end, share, plant_barking and prof.barking,
                      prof.name)
    if not 1 <= n_cases <= MAX_CASES:
        raise SynthError(f"--cases must be between 1 and {MAX_CASES:,}, not {n_cases}")
    if not 0.0 <= share <= 0.9:
        raise SynthError(f"series_share must be in [0, 0.9], not {share}")
    t0, t1 = cfg.window()
    rng = np.random.default_rng(seed)
    n_bark = 4 if cfg.plant_barking and n_cases >= 50 and barking.covers(t0, t1) else 0
    profiles = make_profiles(rng, int(round(share * (n_cases - n_bark))), 0, prof)
    parts = [series_cases(rng, profiles, t0, t1, prof)] if len(profiles) else []
    bark_id = len(profiles)
    if n_bark:
        parts.append(barking.barking_cases(bark_id))
    n_bg = n_cases - sum(len(p) for p in parts)
    bg, n_offenders = background(rng, n_bg, t0, t1, bark_id + 1, prof)
    parts.append(bg)
    cols = Columns.concat(parts)
    cols = cols.take(np.argsort(cols.t - cols.before, kind="stable"))
    appear = np.zeros(n_offenders)
    appear[: len(profiles)] = profiles.appear_p
    rows = np.flatnonzero(cols.offender == bark_id) if n_bark else np.zeros(0, dtype=np.int64)
    forced = [(int(rows[0]), bark_id, "reporter"), (int(rows[-1]), bark_id, "associate")] if n_bark else []
    area = prof.geography.area_names(cols.x, cols.y)
    people, mentions = plan_entities(rng, cols, appear, forced, area, prof)
    area[rng.random(len(cols)) < prof.missingness.area] = -1
    homes = {o: (float(x), float(y)) for o, (x, y) in enumerate(zip(profiles.home_x, profiles.home_y, strict=True))}
    kinds = {o: "series" for o in range(len(profiles))}
    overrides: dict[int, str] = {}
    if n_bark:
        kinds[bark_id] = "planted_barking"
        homes[bark_id] = barking.churchyard_km()
        overrides = {int(r): text for r, text in zip(rows, barking.NARRATIVES, strict=True)}
        _fix_barking_person(people, mentions, bark_id, forced)
        area[rows] = geo.BOROUGH_NAMES.index("Barking and Dagenham")
    return SynthResult(cfg, cols, people, mentions, area, rng.integers(0, 2**62, len(cols)),
                       homes, kinds, overrides)


def _find_r(test: Any) -> int:
    return next(r for r in range(1, 1 << 22) if test(r))


def _fix_barking_person(people: People, mentions: Mentions, person: int,
                        forced: list[tuple[int, int, str]]) -> None:
    """Give the planted offender his name and phone, written differently in each case."""
    first, last = barking.OFFENDER_NAME
    people.first[person], people.last[person] = FIRST.index(first), SURNAMES.index(last)
    holder = np.flatnonzero(people.phone == barking.PHONE_INDEX)
    if len(holder):
        people.phone[holder] = people.phone[person]
    people.phone[person] = barking.PHONE_INDEX
    people.recurring[person] = True
    wanted = ("Tony Marsh", "MARSH, Anthony")
    phones = ("07700 900123", "+44 7700 900123")
    for (row, _, _), name, phone in zip(forced, wanted, phones, strict=True):
        i = int(np.flatnonzero((mentions.case == row) & (mentions.person == person))[0])
        mentions.r[i] = _find_r(lambda r, n=name, ph=phone: render.name_variant(first, last, r, True) == n
                                and render.phone_variant(barking.PHONE_INDEX, r >> 3) == ph)
        mentions.show_phone[i], mentions.show_vehicle[i], mentions.show_handle[i] = True, False, False
        mentions.show_dob[i] = name == wanted[1]
