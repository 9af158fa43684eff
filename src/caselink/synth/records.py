"""Turning generated columns into contract records (dicts), a chunk at a time.

Times, coordinates and labels are formatted with numpy per chunk; only the per-row assembly of
lists, narratives and entities runs in Python. Nothing here draws random numbers: every random
choice was made when the columns and mentions were generated, so records are identical however
often (and in whatever chunks) they are produced.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from caselink.schema.fields import ENTITY_ROLES
from caselink.synth import geo, render
from caselink.synth import vocab as V
from caselink.synth.names import FIRST, SURNAMES
from caselink.synth.narratives import narrative

if TYPE_CHECKING:
    from caselink.synth.generator import SynthResult

CHUNK = 50_000


@lru_cache(maxsize=65536)
def _decode(mask: int, vocab: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(vocab[i] for i in range(len(vocab)) if mask >> i & 1)


def _iso(seconds: np.ndarray, date_only: np.ndarray) -> list[str]:
    dt = seconds.astype("datetime64[s]")
    full = np.char.add(np.datetime_as_string(dt, unit="s"), "Z")
    day = np.datetime_as_string(dt, unit="D")
    return np.where(date_only, day, full).tolist()


def _entities(res: SynthResult, lo: int, hi: int) -> list[dict[str, str]]:
    m, p = res.mentions, res.people
    out: list[dict[str, str]] = []
    for i in range(lo, hi):
        person, r = int(m.person[i]), int(m.r[i])
        role = ENTITY_ROLES[int(m.role[i])]
        name = render.name_variant(FIRST[int(p.first[person])], SURNAMES[int(p.last[person])], r,
                                   bool(p.recurring[person]))
        ent = {"kind": "person", "role": role, "value": name}
        if m.show_dob[i]:
            ent["dob"] = render.dob_variant(str(p.dob[person]), r >> 20)
        out.append(ent)
        if m.show_phone[i] and p.phone[person] >= 0:
            out.append({"kind": "phone", "role": role, "value": render.phone_variant(int(p.phone[person]), r >> 3)})
        if m.show_vehicle[i] and p.vehicle[person] >= 0:
            out.append({"kind": "vehicle", "role": role, "value": render.vehicle_variant(int(p.vehicle[person]), r >> 6)})
    return out


def _chunk(res: SynthResult, s: int, e: int) -> Iterator[dict[str, Any]]:
    c = res.columns
    sl = slice(s, e)
    t, before, after, found = c.t[sl], c.before[sl], c.after[sl], c.found[sl]
    d_only = c.date_only[sl]
    t_from = _iso(t - before, d_only)
    t_to = _iso(t + after, d_only)
    t_found = _iso(t + np.maximum(found, 0), np.zeros(e - s, dtype=bool))
    lat, lon = geo.to_latlon(c.x[sl], c.y[sl])
    lat, lon = np.round(lat, 6).tolist(), np.round(lon, 6).tolist()
    area = res.area[sl].tolist()
    rand = res.rand[sl].tolist()
    cols = {name: getattr(c, name)[sl].tolist() for name in (
        "itype", "has_loc", "place", "circ", "subs", "weapon", "vage", "vsex", "veth", "vtags", "klass",
        "status", "actions", "offender", "offender2", "label1", "label2", "narr_missing", "style", "found")}
    hours = ((t % 86400) // 3600).tolist()
    starts = res.mention_starts
    for k in range(e - s):
        row = s + k
        rec: dict[str, Any] = {"case_id": res.case_ids[row], "incident_type": V.TYPES[cols["itype"][k]],
                               "occurred_from": t_from[k]}
        if t_to[k] != t_from[k]:
            rec["occurred_to"] = t_to[k]
        if cols["found"][k] >= 0:
            rec["found_at"] = t_found[k]
        if cols["has_loc"][k]:
            rec["lat"], rec["lon"] = lat[k], lon[k]
        _fill(rec, cols, k, area[k], rand[k], hours[k], res, row)
        ents = _entities(res, int(starts[row]), int(starts[row + 1]))
        if ents:
            rec["entities"] = ents
        yield rec


def _fill(rec: dict[str, Any], cols: dict[str, list[Any]], k: int, area: int, r: int, hour: int,
          res: SynthResult, row: int) -> None:
    place = cols["place"][k]
    if place >= 0:
        rec["place_type"] = V.PLACES[place]
    if area >= 0:
        rec["area"] = geo.BOROUGH_NAMES[area]
    if cols["vage"][k] >= 0:
        rec["victim_age"] = cols["vage"][k]
    sex = V.SEXES[cols["vsex"][k]] if cols["vsex"][k] >= 0 else None
    if sex is not None:
        rec["victim_sex"] = sex
    if cols["veth"][k] >= 0:
        rec["victim_ethnicity"] = V.ETHNICITIES[cols["veth"][k]]
    facts = _decode(cols["circ"][k], V.CIRCUMSTANCES)
    subs = _decode(cols["subs"][k], V.SUBSTANCES)
    for key, value in (("victim_tags", _decode(cols["vtags"][k], V.VICTIM_TAGS)), ("circumstances", facts),
                       ("substances", subs)):
        if value:
            rec[key] = list(value)
    weapon = V.WEAPONS[cols["weapon"][k]] if cols["weapon"][k] >= 0 else None
    if weapon is not None:
        rec["weapon"] = weapon
    klass = V.CLASSES[cols["klass"][k]] if cols["klass"][k] >= 0 else None
    if klass is not None:
        rec["classification"] = klass
    if cols["status"][k] >= 0:
        rec["status"] = V.STATUS_NAMES[cols["status"][k]]
    text = res.narrative_overrides.get(row)
    if text is None and not cols["narr_missing"][k]:
        text = narrative(cols["itype"][k], place, hour, facts, subs, weapon, cols["vage"][k], sex, klass,
                         cols["style"][k], r)
    if text:
        rec["narrative"] = text
    labels = [res.series_label(o) for o, lab in ((cols["offender"][k], cols["label1"][k]),
                                                 (cols["offender2"][k], cols["label2"][k])) if o >= 0 and lab]
    if labels:
        rec["series_ids"] = labels
    acts = _decode(cols["actions"][k], V.ACTIONS)
    if acts:
        rec["actions"] = list(acts)
    rec["agency"] = _agency(area, place, r)


def _agency(area: int, place: int, r: int) -> str:
    if area == 0:
        return V.AGENCIES[2]
    if place == V.PLACES.index("station") and r % 3:
        return V.AGENCIES[1]
    return V.AGENCIES[0]


def iter_records(res: SynthResult, chunk: int = CHUNK) -> Iterator[dict[str, Any]]:
    """Every record of ``res`` in case order."""
    for s in range(0, len(res.columns), chunk):
        yield from _chunk(res, s, min(s + chunk, len(res.columns)))
