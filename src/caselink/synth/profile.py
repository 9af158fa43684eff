"""Synthetic data profiles: what kind of force's data the generator writes.

A ``Profile`` parametrises the one generator (``caselink.synth.generate``): its ``Vocab``
(incident-type mix, places, circumstances or keyed MO codes, weapons, substances, victims,
outcomes), its ``Geography`` (region, areas, hot spots, agencies), its ``Behaviour`` (how many
cases are serial, how long and how far offenders range) and its ``Missingness`` (what records
leave out). ``london-deaths`` is the reference benchmark (deaths and violent crime in Greater
London); ``city-acquisitive`` (``caselink.synth.city``) a mid-size city's burglaries, robberies and
sexual offences with keyed MO codes. A model tuned on one and judged on the other is a test of
transfer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from caselink.synth import geo
from caselink.synth import vocab as V

if TYPE_CHECKING:
    from caselink.synth.geo import Geography

Table = dict[str, dict[str, float]]


@dataclass(frozen=True)
class Vocab:
    """Vocabularies and base rates by incident type (``caselink.synth.vocab`` documents London's).

    With ``mo`` set, circumstances are keyed MO codes ``key:value`` (``mo_values`` lists each key's
    values in order; ``mo[type][key][value]`` the chance a case of that type records that value,
    at most one value per key, the rest of the probability being "not recorded"), drawn per key
    instead of as independent facts, so two cases with different values for a key conflict.
    """

    background_type_p: dict[str, float]
    offender_type_p: dict[str, float]
    drift_types: dict[str, tuple[str, str]]
    places: tuple[str, ...]
    place_p: Table
    circumstances: tuple[str, ...]
    circ_p: Table
    substances: tuple[str, ...]
    subst_p: Table
    sedatives: tuple[str, ...]
    weapons: tuple[str, ...]
    weapon_p: Table
    weapon_recorded_p: dict[str, float]
    tox_recorded_p: dict[str, float]
    victim_tags: tuple[str, ...]
    tag_p: dict[str, float]
    tags_recorded_p: float
    ethnicities: tuple[str, ...]
    ethnicity_p: tuple[float, ...]
    male_p: dict[str, float]
    age_ms: Mapping[str, tuple[float, float]]
    class_p: Table
    status_p: Table
    actions: tuple[str, ...]
    action_p: dict[str, float]
    hour_profile: dict[str, str]
    victim_named_p: dict[str, float]
    online_fact: str | None = None         # a circumstance meaning "met online": the offender's handle shows
    drug_fact: str | None = None            # a circumstance meaning "victim drugged" (London's druggers)
    mo_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mo: dict[str, Table] | None = None
    fact_text: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    place_text: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def keyed(self) -> bool:
        return self.mo is not None

    @cached_property
    def C(self) -> dict[str, int]:  # noqa: N802 - the vocab module's name for the same map
        return {name: i for i, name in enumerate(self.circumstances)}

    @cached_property
    def S(self) -> dict[str, int]:  # noqa: N802
        return {name: i for i, name in enumerate(self.substances)}

    @cached_property
    def place_probs(self) -> np.ndarray:
        return V.type_probs(self.place_p, self.places)

    @cached_property
    def circ_rates(self) -> np.ndarray:
        return V.rate_matrix(self.circ_p, self.circumstances)

    @cached_property
    def subst_rates(self) -> np.ndarray:
        return V.rate_matrix(self.subst_p, self.substances, eps=0.001)

    @cached_property
    def weapon_probs(self) -> np.ndarray:
        return V.type_probs(self.weapon_p, self.weapons)

    @cached_property
    def hours(self) -> np.ndarray:
        rows = np.array([V.HOUR_WEIGHTS[self.hour_profile[t]] for t in V.TYPES], dtype=np.float64)
        return rows / rows.sum(axis=1, keepdims=True)

    @cached_property
    def tag_rates(self) -> np.ndarray:
        return np.array([self.tag_p[t] for t in self.victim_tags])

    @cached_property
    def action_rates(self) -> np.ndarray:
        return np.array([self.action_p.get(a, 0.0) for a in self.actions])

    @cached_property
    def class_probs(self) -> np.ndarray:
        out = np.zeros((len(V.TYPES), len(V.CLASSES) + 1))
        for t in V.TYPES:
            row = self.class_p.get(t, {})
            out[V.T[t], :-1] = [row.get(c, 0.0) for c in V.CLASSES]
            out[V.T[t], -1] = max(0.0, 1.0 - sum(row.values()))  # last column: not classified
        return out

    @cached_property
    def status_probs(self) -> np.ndarray:
        return V.type_probs(self.status_p, V.STATUS_NAMES)

    @cached_property
    def tox_recorded(self) -> np.ndarray:
        return np.array([self.tox_recorded_p.get(t, 0.0) for t in V.TYPES])

    @cached_property
    def weapon_recorded(self) -> np.ndarray:
        return np.array([self.weapon_recorded_p.get(t, 0.0) for t in V.TYPES])

    @cached_property
    def mo_tables(self) -> list[tuple[int, np.ndarray]]:
        """Per MO key: (bit of its first value, (types x values+1) probabilities, last = not recorded)."""
        out, first = [], 0
        for key, values in self.mo_values.items():
            p = np.zeros((len(V.TYPES), len(values) + 1))
            for tname, keys in (self.mo or {}).items():
                row = keys.get(key, {})
                p[V.T[tname], :-1] = [row.get(v, 0.0) for v in values]
            p[:, -1] = np.maximum(0.0, 1.0 - p[:, :-1].sum(axis=1))
            out.append((first, p))
            first += len(values)
        return out


@dataclass(frozen=True)
class Behaviour:
    """How offenders behave: the serial share, series lengths, range, pace and what is solved."""

    series_share: float = 0.25
    series_size_p: float = 0.3          # series length 1 + geometric(p), capped
    series_size_max: int = 30
    home_hot_share: float = 0.4
    home_spread: float = 1.3
    alt_share: float = 0.45             # offenders with a second anchor (commuters)
    alt_km: float = 3.0                 # how far (sd, km) the second anchor's search starts from home
    range_km_median: float = 3.0
    range_km_sigma: float = 0.8
    range_km_max: float = 8.0
    gap_days_median: float = 60.0
    max_active_days: float | None = None  # a series is squeezed to at most this span
    drift_share: float = 0.15           # cases of another type than the offender's usual one
    partner_share: float = 0.12
    local_partners: bool = False        # co-offenders live near each other (else anyone)
    solved_share: float = 0.6
    appear_share: float = 0.3           # offenders named (as caller, witness...) in their own cases
    singleton_label_p: float = 0.7      # solved one-off cases that carry a series id
    weekend_share: float = 0.3


@dataclass(frozen=True)
class Missingness:
    """The share of cases missing each field (``fact_keep``: chance a recorded fact is kept)."""

    location: float = 0.03
    place: float = 0.06
    age_noise: float = 0.06
    age: float = 0.1
    ethnicity: float = 0.25
    sex: float = 0.02
    fact_keep: float = 0.85
    narrative: float = 0.05
    area: float = 0.04
    date_only: float = 0.03


@dataclass(frozen=True)
class Profile:
    """Everything that makes one kind of synthetic data: see the module docstring."""

    name: str
    description: str
    vocab: Vocab
    geography: Geography
    behaviour: Behaviour
    missingness: Missingness
    start: str
    end: str
    barking: bool = False  # can plant the Barking-like series (a London place)


LONDON_VOCAB = Vocab(
    background_type_p=V.BACKGROUND_TYPE_P, offender_type_p=V.OFFENDER_TYPE_P, drift_types=V.DRIFT_TYPES,
    places=V.PLACES, place_p=V.PLACE_P, circumstances=V.CIRCUMSTANCES, circ_p=V.CIRC_P,
    substances=V.SUBSTANCES, subst_p=V.SUBST_P, sedatives=V.SEDATIVES, weapons=V.WEAPONS, weapon_p=V.WEAPON_P,
    weapon_recorded_p=V.WEAPON_RECORDED_P, tox_recorded_p=V.TOX_RECORDED_P, victim_tags=V.VICTIM_TAGS,
    tag_p=V.TAG_P, tags_recorded_p=V.TAGS_RECORDED_P, ethnicities=V.ETHNICITIES, ethnicity_p=V.ETHNICITY_P,
    male_p=V.MALE_P, age_ms=V.AGE_MS, class_p=V.CLASS_P, status_p=V.STATUS_P, actions=V.ACTIONS,
    action_p=V.ACTION_P, hour_profile=V.HOUR_PROFILE, victim_named_p=V.VICTIM_NAMED_P,
    online_fact="met_online", drug_fact="drugged",
)

LONDON_DEATHS = Profile(
    name="london-deaths",
    description="Greater London, 2012-2019: deaths, homicides, sexual offences, assaults, robberies and "
                "burglaries; serial offenders over months to years across boroughs; 25% of cases serial; "
                "free-text circumstances; narratives on almost every case.",
    vocab=LONDON_VOCAB, geography=geo.LONDON, behaviour=Behaviour(), missingness=Missingness(),
    start="2012-01-01", end="2020-01-01", barking=True,
)
