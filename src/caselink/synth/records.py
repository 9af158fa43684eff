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
from caselink.synth import render
from caselink.synth import vocab as V
from caselink.synth.names import FIRST, N_SWITCHBOARDS, PHONE_POOL, SURNAMES
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
    named, phone, vehicle, handle = res.layout
    out: list[dict[str, str]] = []
    for i in range(lo, hi):
        person, r = int(m.person[i]), int(m.r[i])
        role = ENTITY_ROLES[int(m.role[i])]
        first, last = FIRST[int(p.first[person])], SURNAMES[int(p.last[person])]
        if named[i]:
            ent = {"kind": "person", "role": role, "value": render.name_variant(first, last, r, bool(p.recurring[person]))}
            if m.show_dob[i]:
                ent["dob"] = render.dob_variant(str(p.dob[person]), r >> 20)
            out.append(ent)
        if phone[i]:
            out.append({"kind": "phone", "role": role, "value": render.phone_variant(int(p.phone[person]), r >> 3)})
        if vehicle[i]:
            out.append({"kind": "vehicle", "role": role, "value": render.vehicle_variant(int(p.vehicle[person]), r >> 6)})
        if handle[i]:
            out.append({"kind": "handle", "role": role, "value": render.handle_variant(first, last, person, r >> 9)})
    return out


#: cases in a thousand that record one of the ``N_SWITCHBOARDS`` common numbers
SWITCHBOARD_PER_MILLE = 16


def _switchboard(rand: int) -> list[dict[str, str]]:
    """A common number some unrelated cases record (a hospital switchboard, a taxi firm: role
    ``other``, nobody's own phone), so shared numbers are not all evidence. Chosen from the case's
    random integer alone: nothing else in the record changes."""
    h = ((rand ^ (rand >> 29)) * 0x9E3779B97F4A7C15) % (1 << 64)
    if (h >> 40) % 1000 >= SWITCHBOARD_PER_MILLE:
        return []
    index = PHONE_POOL - N_SWITCHBOARDS + (h >> 20) % N_SWITCHBOARDS
    return [{"kind": "phone", "role": "other", "value": render.phone_variant(int(index), h >> 8)}]


def _names(vocab: tuple[str, ...], index: np.ndarray) -> list[str | None]:
    """Vocabulary strings for indices (-1 -> None), vectorised."""
    table = np.array((*vocab, None), dtype=object)
    return table[np.where(index >= 0, index, len(vocab))].tolist()


def _agency(res: SynthResult, area: np.ndarray, place: np.ndarray, rand: np.ndarray) -> list[str]:
    geog, places = res.profile.geography, res.profile.vocab.places
    station = place == places.index("station") if "station" in places else np.zeros(len(place), dtype=bool)
    return _names(geog.agencies, geog.agency(area, station, rand))  # type: ignore[return-value]


def _when_where(res: SynthResult, s: int, e: int) -> tuple[list[str], ...]:
    """Formatted occurred_from, occurred_to, found_at, lat and lon for rows s..e."""
    c, sl = res.columns, slice(s, e)
    t, d_only = c.t[sl], c.date_only[sl]
    t_from, t_to = _iso(t - c.before[sl], d_only), _iso(t + c.after[sl], d_only)
    t_found = _iso(t + np.maximum(c.found[sl], 0), np.zeros(e - s, dtype=bool))
    lat, lon = res.profile.geography.to_latlon(c.x[sl], c.y[sl])
    return t_from, t_to, t_found, np.round(lat, 6).tolist(), np.round(lon, 6).tolist()


def _categories(res: SynthResult, s: int, e: int) -> tuple[tuple[str, ...], list[tuple[str | None, ...]]]:
    c, sl, voc = res.columns, slice(s, e), res.profile.vocab
    simple = {
        "incident_type": _names(V.TYPES, c.itype[sl]), "place_type": _names(voc.places, c.place[sl]),
        "area": _names(res.profile.geography.area_names_list, res.area[sl]), "victim_sex": _names(V.SEXES, c.vsex[sl]),
        "victim_ethnicity": _names(voc.ethnicities, c.veth[sl]), "weapon": _names(voc.weapons, c.weapon[sl]),
        "classification": _names(V.CLASSES, c.klass[sl]), "status": _names(V.STATUS_NAMES, c.status[sl]),
    }
    keys = tuple(simple)
    return keys, list(zip(*(simple[k] for k in keys), strict=True))


def _facts_and_story(rec: dict[str, Any], res: SynthResult, row: int, masks: tuple[int, int, int, int],
                     story: tuple[bool, int, int, int, int, int], age: int) -> None:
    tags, circ, subs, acts = masks
    nmiss, style, r, hour, itype, place = story
    voc = res.profile.vocab
    facts, drugs = _decode(circ, voc.circumstances), _decode(subs, voc.substances)
    for key, items in (("victim_tags", _decode(tags, voc.victim_tags)), ("circumstances", facts),
                       ("substances", drugs), ("actions", _decode(acts, voc.actions))):
        if items:
            rec[key] = list(items)
    text = res.narrative_overrides.get(row)
    if text is None and not nmiss:
        text = narrative(itype, place, hour, facts, drugs, rec.get("weapon"), age,
                         rec.get("victim_sex"), rec.get("classification"), style, r, voc)
    if text:
        rec["narrative"] = text


def _chunk(res: SynthResult, s: int, e: int) -> Iterator[dict[str, Any]]:
    c, sl = res.columns, slice(s, e)
    t_from, t_to, t_found, lat, lon = _when_where(res, s, e)
    keys, values = _categories(res, s, e)
    agency = _agency(res, res.area[sl], c.place[sl], res.rand[sl])
    vage = c.vage[sl].tolist()
    masks = zip(c.vtags[sl].tolist(), c.circ[sl].tolist(), c.subs[sl].tolist(), c.actions[sl].tolist(), strict=True)
    labels = zip(c.offender[sl].tolist(), c.label1[sl].tolist(), c.offender2[sl].tolist(), c.label2[sl].tolist(), strict=True)
    story = zip(c.narr_missing[sl].tolist(), c.style[sl].tolist(), res.rand[sl].tolist(),
                ((c.t[sl] % 86400) // 3600).tolist(), c.itype[sl].tolist(), c.place[sl].tolist(), strict=True)
    located, has_found, starts = c.has_loc[sl].tolist(), (c.found[sl] >= 0).tolist(), res.mention_starts
    for k, mask, (o1, l1, o2, l2), tale in zip(range(e - s), masks, labels, story, strict=True):
        row = s + k
        rec: dict[str, Any] = {"case_id": res.case_ids[row], "occurred_from": t_from[k]}
        if t_to[k] != t_from[k]:
            rec["occurred_to"] = t_to[k]
        if has_found[k]:
            rec["found_at"] = t_found[k]
        if located[k]:
            rec["lat"], rec["lon"] = lat[k], lon[k]
        rec.update((key, value) for key, value in zip(keys, values[k], strict=True) if value is not None)
        if vage[k] >= 0:
            rec["victim_age"] = vage[k]
        _facts_and_story(rec, res, row, mask, tale, vage[k])
        series = [res.series_label(o) for o, lab in ((o1, l1), (o2, l2)) if o >= 0 and lab]
        if series:
            rec["series_ids"] = series
        rec["agency"] = agency[k]
        lo, hi = starts[row], starts[row + 1]
        ents = _entities(res, int(lo), int(hi)) if hi > lo else []
        ents.extend(_switchboard(tale[2]))
        if ents:
            rec["entities"] = ents
        yield rec


def iter_records(res: SynthResult, chunk: int = CHUNK) -> Iterator[dict[str, Any]]:
    """Every record of ``res`` in case order."""
    for s in range(0, len(res.columns), chunk):
        yield from _chunk(res, s, min(s + chunk, len(res.columns)))
