"""Vocabularies and base rates for synthetic cases: what each kind of incident usually looks like.

Rates are rough but ordered as in real records: alcohol is common, GHB rare; burglaries happen by
day in homes, assaults at night in the street. Offenders draw their habits from the same tables,
so a series is unusual only in the ways a real one is (a rarer fact repeated), not by construction.
"""

from __future__ import annotations

import numpy as np

from caselink.schema.fields import CLASSIFICATIONS, INCIDENT_TYPES, STATUSES

TYPES: tuple[str, ...] = INCIDENT_TYPES
T = {name: i for i, name in enumerate(TYPES)}

# Share of background (non-series) cases by type, and of serial offenders by primary type.
BACKGROUND_TYPE_P = {"burglary": 0.28, "assault": 0.26, "robbery": 0.14, "sexual_offence": 0.08,
                     "death": 0.12, "homicide": 0.02, "missing_person": 0.06, "other": 0.04}
OFFENDER_TYPE_P = {"burglary": 0.36, "robbery": 0.2, "sexual_offence": 0.17, "assault": 0.13,
                   "homicide": 0.05, "death": 0.09}
# Types an offender may drift into now and then (a burglar who robs, a rapist who kills).
DRIFT_TYPES = {"burglary": ("robbery", "other"), "robbery": ("assault", "burglary"),
               "sexual_offence": ("assault", "death"), "assault": ("robbery", "sexual_offence"),
               "homicide": ("death", "assault"), "death": ("homicide", "sexual_offence")}

PLACES: tuple[str, ...] = (
    "residence", "flat", "street", "park", "churchyard", "hotel", "river", "canal", "car_park",
    "station", "pub", "nightclub", "shop", "hostel", "commercial", "bus", "alleyway", "garden",
)
PLACE_P: dict[str, dict[str, float]] = {
    "burglary": {"residence": 0.55, "flat": 0.25, "shop": 0.08, "commercial": 0.1, "garden": 0.02},
    "robbery": {"street": 0.5, "alleyway": 0.1, "shop": 0.12, "station": 0.08, "bus": 0.05,
                "car_park": 0.06, "park": 0.06, "residence": 0.03},
    "assault": {"street": 0.35, "residence": 0.2, "flat": 0.1, "pub": 0.12, "nightclub": 0.07,
                "station": 0.05, "park": 0.04, "bus": 0.03, "shop": 0.04},
    "sexual_offence": {"residence": 0.3, "flat": 0.2, "street": 0.12, "park": 0.1, "hotel": 0.08,
                       "nightclub": 0.05, "alleyway": 0.05, "car_park": 0.04, "station": 0.03,
                       "churchyard": 0.03},
    "death": {"residence": 0.45, "flat": 0.25, "street": 0.07, "park": 0.05, "river": 0.04,
              "hostel": 0.05, "hotel": 0.03, "canal": 0.02, "churchyard": 0.02, "car_park": 0.02},
    "homicide": {"residence": 0.35, "flat": 0.15, "street": 0.3, "park": 0.06, "pub": 0.04,
                 "alleyway": 0.04, "car_park": 0.03, "river": 0.03},
    "missing_person": {"residence": 0.6, "flat": 0.2, "hostel": 0.1, "street": 0.1},
    "other": {"street": 0.4, "residence": 0.3, "shop": 0.15, "commercial": 0.15},
}

CIRCUMSTANCES: tuple[str, ...] = (
    "forced_entry", "rear_entry", "window_entry", "nothing_taken", "jewellery_taken",
    "cash_taken", "electronics_taken", "phone_taken", "vehicle_taken", "ransacked", "tidy_search",
    "occupant_present", "gloves_worn", "victim_followed", "approached_from_behind",
    "threatened_with_weapon", "restrained", "gagged", "strangulation", "stranger",
    "known_to_victim", "domestic", "group_attack", "victim_intoxicated", "night_economy",
    "face_covered", "drugged", "met_online", "body_moved", "posed", "note_left", "undressed",
    "chemsex", "body_concealed", "fire_set", "fall_from_height", "drowned", "injuries_unexplained",
    "vulnerable_victim", "items_left_behind",
)
C = {name: i for i, name in enumerate(CIRCUMSTANCES)}
_EPS = 0.002
CIRC_P: dict[str, dict[str, float]] = {
    "burglary": {"forced_entry": 0.55, "rear_entry": 0.35, "window_entry": 0.2, "nothing_taken": 0.08,
                 "jewellery_taken": 0.3, "cash_taken": 0.25, "electronics_taken": 0.35,
                 "vehicle_taken": 0.04, "ransacked": 0.3, "tidy_search": 0.06, "occupant_present": 0.07,
                 "gloves_worn": 0.08, "items_left_behind": 0.02},
    "robbery": {"phone_taken": 0.5, "cash_taken": 0.3, "threatened_with_weapon": 0.4,
                "approached_from_behind": 0.2, "victim_followed": 0.12, "group_attack": 0.25,
                "stranger": 0.8, "face_covered": 0.2, "night_economy": 0.15, "victim_intoxicated": 0.1,
                "jewellery_taken": 0.08, "vehicle_taken": 0.03},
    "assault": {"stranger": 0.45, "known_to_victim": 0.4, "domestic": 0.3, "night_economy": 0.25,
                "victim_intoxicated": 0.3, "group_attack": 0.15, "strangulation": 0.05,
                "threatened_with_weapon": 0.1, "approached_from_behind": 0.05},
    "sexual_offence": {"stranger": 0.35, "known_to_victim": 0.5, "victim_intoxicated": 0.35,
                       "drugged": 0.06, "met_online": 0.12, "night_economy": 0.2, "restrained": 0.08,
                       "victim_followed": 0.06, "threatened_with_weapon": 0.06, "undressed": 0.1,
                       "strangulation": 0.04, "vulnerable_victim": 0.08, "chemsex": 0.02},
    "death": {"victim_intoxicated": 0.25, "fall_from_height": 0.04, "drowned": 0.05,
              "body_moved": 0.01, "injuries_unexplained": 0.05, "chemsex": 0.02, "undressed": 0.03,
              "vulnerable_victim": 0.12, "note_left": 0.04, "met_online": 0.01, "drugged": 0.01},
    "homicide": {"known_to_victim": 0.55, "stranger": 0.3, "domestic": 0.25, "group_attack": 0.15,
                 "strangulation": 0.1, "body_moved": 0.06, "body_concealed": 0.05, "fire_set": 0.03,
                 "night_economy": 0.1, "victim_intoxicated": 0.15, "restrained": 0.04},
    "missing_person": {"vulnerable_victim": 0.35, "victim_intoxicated": 0.05, "met_online": 0.04},
    "other": {"stranger": 0.2, "known_to_victim": 0.2, "night_economy": 0.05},
}

SUBSTANCES: tuple[str, ...] = (
    "alcohol", "cannabis", "cocaine", "heroin", "methadone", "benzodiazepines", "mdma", "ketamine",
    "ghb", "methamphetamine", "zopiclone", "rohypnol",
)
S = {name: i for i, name in enumerate(SUBSTANCES)}
# Toxicology is only recorded for some kinds of case; rates are among cases where it was done.
SUBST_P: dict[str, dict[str, float]] = {
    "death": {"alcohol": 0.35, "cannabis": 0.1, "cocaine": 0.12, "heroin": 0.14, "methadone": 0.05,
              "benzodiazepines": 0.08, "mdma": 0.03, "ketamine": 0.02, "ghb": 0.02,
              "methamphetamine": 0.01, "zopiclone": 0.02},
    "homicide": {"alcohol": 0.35, "cannabis": 0.15, "cocaine": 0.15, "heroin": 0.03},
    "sexual_offence": {"alcohol": 0.4, "cannabis": 0.05, "cocaine": 0.05, "ghb": 0.02,
                       "benzodiazepines": 0.02, "mdma": 0.03, "ketamine": 0.01, "rohypnol": 0.005},
    "assault": {"alcohol": 0.35, "cocaine": 0.05, "cannabis": 0.03},
}
TOX_RECORDED_P = {"death": 0.85, "homicide": 0.9, "sexual_offence": 0.45, "assault": 0.2}
# Drugs an offender who drugs victims may favour.
SEDATIVES = ("ghb", "ketamine", "benzodiazepines", "zopiclone", "rohypnol", "mdma")

WEAPONS: tuple[str, ...] = (
    "knife", "blunt_instrument", "firearm", "hands_feet", "ligature", "screwdriver", "crowbar",
    "bottle", "syringe", "none",
)
WEAPON_P: dict[str, dict[str, float]] = {
    "burglary": {"screwdriver": 0.35, "crowbar": 0.2, "none": 0.45},
    "robbery": {"knife": 0.4, "hands_feet": 0.35, "firearm": 0.05, "blunt_instrument": 0.1, "bottle": 0.1},
    "assault": {"hands_feet": 0.55, "knife": 0.15, "blunt_instrument": 0.1, "bottle": 0.15, "ligature": 0.05},
    "sexual_offence": {"none": 0.6, "hands_feet": 0.25, "knife": 0.1, "ligature": 0.05},
    "homicide": {"knife": 0.55, "hands_feet": 0.12, "blunt_instrument": 0.12, "firearm": 0.1,
                 "ligature": 0.06},
    "death": {"none": 0.9, "syringe": 0.1},
}
WEAPON_RECORDED_P = {"burglary": 0.4, "robbery": 0.75, "assault": 0.7, "sexual_offence": 0.4,
                     "homicide": 0.9, "death": 0.15}

VICTIM_TAGS: tuple[str, ...] = (
    "gay", "sex_worker", "homeless", "student", "elderly", "vulnerable_adult", "lives_alone",
    "known_drug_user", "migrant", "disabled",
)
TAG_P = {"gay": 0.04, "sex_worker": 0.01, "homeless": 0.02, "student": 0.06, "elderly": 0.05,
         "vulnerable_adult": 0.03, "lives_alone": 0.08, "known_drug_user": 0.04, "migrant": 0.03,
         "disabled": 0.02}
TAGS_RECORDED_P = 0.6

ETHNICITIES: tuple[str, ...] = ("White", "Asian", "Black", "Mixed", "Other")
ETHNICITY_P = (0.54, 0.19, 0.14, 0.06, 0.07)
SEXES: tuple[str, ...] = ("M", "F", "X", "U")
# P(victim male) by type; age (mean, sd) by type.
MALE_P = {"burglary": 0.5, "robbery": 0.75, "assault": 0.62, "sexual_offence": 0.12, "death": 0.66,
          "homicide": 0.75, "missing_person": 0.55, "other": 0.5}
AGE_MS = {"burglary": (48, 17), "robbery": (27, 11), "assault": (31, 12), "sexual_offence": (25, 9),
          "death": (52, 19), "homicide": (33, 14), "missing_person": (30, 18), "other": (40, 16)}

CLASS_P: dict[str, dict[str, float]] = {
    "death": {"non_suspicious": 0.52, "accident": 0.13, "natural": 0.13, "suicide": 0.1,
              "undetermined": 0.08, "suspicious": 0.04},
    "homicide": {"homicide": 1.0},
    "missing_person": {"undetermined": 0.3},
    "sexual_offence": {"suspicious": 0.1},
}
STATUS_P: dict[str, dict[str, float]] = {
    "burglary": {"unsolved": 0.6, "closed": 0.2, "cleared_arrest": 0.08, "open": 0.12},
    "robbery": {"unsolved": 0.5, "closed": 0.15, "cleared_arrest": 0.15, "open": 0.2},
    "assault": {"unsolved": 0.25, "closed": 0.3, "cleared_arrest": 0.3, "cleared_other": 0.05, "open": 0.1},
    "sexual_offence": {"unsolved": 0.35, "closed": 0.3, "cleared_arrest": 0.15, "open": 0.2},
    "death": {"closed": 0.85, "open": 0.15},
    "homicide": {"cleared_arrest": 0.8, "unsolved": 0.12, "open": 0.08},
    "missing_person": {"closed": 0.8, "open": 0.2},
    "other": {"closed": 0.6, "open": 0.2, "unsolved": 0.2},
}
CLASSES: tuple[str, ...] = CLASSIFICATIONS
STATUS_NAMES: tuple[str, ...] = STATUSES

ACTIONS: tuple[str, ...] = (
    "next_of_kin_informed", "scene_examined", "exhibits_tested", "cctv_reviewed", "phone_examined",
    "reporter_records_checked", "house_to_house", "forensic_strategy", "note_handwriting_verified",
)
ACTION_P = {"next_of_kin_informed": 0.5, "scene_examined": 0.55, "exhibits_tested": 0.3,
            "cctv_reviewed": 0.35, "phone_examined": 0.15, "reporter_records_checked": 0.1,
            "house_to_house": 0.2, "forensic_strategy": 0.15}

# Share of cases of each type whose victim is named in the record.
VICTIM_NAMED_P = {"death": 0.75, "homicide": 0.85, "missing_person": 0.9, "assault": 0.45,
                  "robbery": 0.35, "sexual_offence": 0.15, "burglary": 0.3, "other": 0.3}

# Hour-of-day weights (24 values) by type.
HOUR_WEIGHTS: dict[str, list[int]] = {
    "day": [1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 7, 6, 5, 4, 3, 2, 1],
    "evening": [3, 2, 2, 1, 1, 1, 1, 2, 3, 3, 4, 4, 5, 5, 5, 6, 7, 8, 8, 8, 8, 7, 6, 4],
    "night": [8, 8, 7, 5, 3, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9],
    "flat": [1] * 24,
}
HOUR_PROFILE = {"burglary": "day", "robbery": "evening", "assault": "night", "sexual_offence": "night",
                "death": "flat", "homicide": "night", "missing_person": "day", "other": "day"}


def probs(table: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
    """A probability vector over ``names`` from a sparse table (normalised)."""
    v = np.array([table.get(n, 0.0) for n in names], dtype=np.float64)
    return v / v.sum()


def rate_matrix(table: dict[str, dict[str, float]], names: tuple[str, ...], eps: float = _EPS) -> np.ndarray:
    """Per-type independent inclusion rates: rows are TYPES, columns ``names`` (eps where unlisted)."""
    out = np.full((len(TYPES), len(names)), eps, dtype=np.float64)
    for tname, row in table.items():
        for name, p in row.items():
            out[T[tname], names.index(name)] = p
    return out


def type_probs(table: dict[str, dict[str, float]], names: tuple[str, ...]) -> np.ndarray:
    """Per-type categorical distributions (rows sum to 1; a type with no row is uniform)."""
    out = np.ones((len(TYPES), len(names)), dtype=np.float64)
    for tname, row in table.items():
        out[T[tname]] = [row.get(n, 0.0) for n in names]
    return out / out.sum(axis=1, keepdims=True)


def hour_matrix() -> np.ndarray:
    """Hour-of-day distributions, one row per type."""
    rows = np.array([HOUR_WEIGHTS[HOUR_PROFILE[t]] for t in TYPES], dtype=np.float64)
    return rows / rows.sum(axis=1, keepdims=True)
