"""The ``city-acquisitive`` profile: a mid-size southern-hemisphere city's burglaries, robberies and
sexual offences, recorded with keyed MO codes.

Unlike ``london-deaths`` in every way a linkage model can notice: another region (a Christchurch-
like city, about 22 x 18 km, negative latitudes), four years instead of eight, so about eight
times the cases per km^2 per year at the same size; acquisitive crime (no deaths, homicides or
missing people); its own place types (``dairy``, ``ranch_slider``...); circumstances as MO codes,
one value per key (``entry:rear_window``, ``method:jemmied``, ``taken:electronics``), so different
values of a key conflict; 15% of cases serial (85% one-off offences), offenders active for weeks to
a year within a few km; fewer solved; few narratives; victims' ages and ethnicity often unrecorded.
"""

from __future__ import annotations

from caselink.synth import vocab as V
from caselink.synth.geo import Geography
from caselink.synth.profile import Behaviour, Missingness, Profile, Vocab

SUBURBS: tuple[tuple[str, float, float, float], ...] = (
    ("Central City", -43.5320, 172.6366, 1.0), ("Riccarton", -43.5300, 172.5960, 1.2),
    ("Addington", -43.5430, 172.6180, 0.7), ("Sydenham", -43.5580, 172.6380, 0.8),
    ("Linwood", -43.5330, 172.6720, 1.0), ("Aranui", -43.5180, 172.7000, 0.8),
    ("New Brighton", -43.5080, 172.7290, 0.7), ("Shirley", -43.5050, 172.6640, 0.9),
    ("St Albans", -43.5100, 172.6300, 1.1), ("Papanui", -43.4950, 172.6080, 1.0),
    ("Bishopdale", -43.4880, 172.5860, 0.7), ("Burnside", -43.4960, 172.5700, 0.6),
    ("Avonhead", -43.5150, 172.5520, 0.7), ("Hornby", -43.5430, 172.5260, 0.9),
    ("Hei Hei", -43.5300, 172.5200, 0.5), ("Spreydon", -43.5530, 172.6160, 0.8),
    ("Hoon Hay", -43.5640, 172.6000, 0.6), ("Halswell", -43.5850, 172.5700, 0.7),
    ("Cashmere", -43.5720, 172.6280, 0.5), ("Woolston", -43.5500, 172.6810, 0.6),
    ("Sumner", -43.5690, 172.7580, 0.4), ("Merivale", -43.5150, 172.6170, 0.5),
    ("Fendalton", -43.5160, 172.5900, 0.5), ("Belfast", -43.4500, 172.6350, 0.5),
)
HOT_SPOTS: tuple[tuple[float, float, float, float], ...] = (
    (-43.5320, 172.6366, 2.5, 0.5), (-43.5300, 172.5970, 1.5, 0.4), (-43.4940, 172.6100, 1.0, 0.4),
    (-43.5370, 172.6690, 1.2, 0.4), (-43.5440, 172.5250, 1.0, 0.4), (-43.5070, 172.7300, 0.8, 0.3),
    (-43.5235, 172.5830, 1.0, 0.4), (-43.5560, 172.6380, 0.8, 0.3), (-43.5180, 172.7000, 0.9, 0.4),
    (-43.5070, 172.6630, 0.7, 0.3),
)
CITY = Geography("a mid-size city (Christchurch-like)", -43.5320, 172.6366, SUBURBS, HOT_SPOTS,
                 (-11.0, 11.0, -9.0, 9.0), 1.2, ("Canterbury District Police",))

PLACES: tuple[str, ...] = (
    "house", "unit", "apartment", "garage", "shed", "dairy", "service_station", "supermarket",
    "liquor_store", "retail", "bar", "street", "park", "carpark", "bus_interchange", "campus", "office",
    "vehicle",
)
PLACE_P: dict[str, dict[str, float]] = {
    "burglary": {"house": 0.5, "unit": 0.15, "apartment": 0.05, "garage": 0.1, "shed": 0.06, "dairy": 0.03,
                 "retail": 0.05, "office": 0.04, "liquor_store": 0.02},
    "robbery": {"street": 0.4, "dairy": 0.12, "service_station": 0.12, "liquor_store": 0.08, "carpark": 0.08,
                "bus_interchange": 0.06, "park": 0.06, "supermarket": 0.04, "bar": 0.04},
    "sexual_offence": {"house": 0.35, "apartment": 0.12, "unit": 0.08, "street": 0.1, "park": 0.08, "bar": 0.07,
                       "campus": 0.06, "carpark": 0.05, "vehicle": 0.09},
    "assault": {"street": 0.35, "bar": 0.2, "house": 0.2, "unit": 0.05, "bus_interchange": 0.05, "carpark": 0.05,
                "park": 0.05, "campus": 0.05},
    "other": {"street": 0.4, "house": 0.3, "retail": 0.15, "carpark": 0.15},
}
MO_VALUES: dict[str, tuple[str, ...]] = {
    "entry": ("front_door", "rear_door", "side_door", "ranch_slider", "front_window", "rear_window", "garage_door",
              "skylight", "unlocked"),
    "method": ("lock_forced", "glass_smashed", "jemmied", "latch_slipped", "screen_cut", "key_used", "no_force"),
    "search": ("tidy", "ransacked", "bedroom_only", "none"),
    "taken": ("jewellery", "cash", "electronics", "tools", "car_keys", "bicycle", "alcohol", "nothing"),
    "approach": ("from_behind", "asked_question", "followed", "blitz", "surrounded", "offered_lift"),
    "threat": ("knife", "firearm_shown", "syringe", "bottle", "verbal_only", "physical"),
    "target": ("phone", "cash", "bag", "jewellery", "car", "cigarettes"),
    "contact": ("stranger", "met_online", "acquaintance", "rideshare", "party", "workplace"),
    "control": ("restraint", "weapon", "intoxicated", "drugged", "none_reported"),
}
# mo[type][key][value]: chance a case records that value (one per key; the rest: key left blank).
MO: dict[str, dict[str, dict[str, float]]] = {
    "burglary": {
        "entry": {"front_door": 0.14, "rear_door": 0.2, "side_door": 0.08, "ranch_slider": 0.14, "front_window": 0.07,
                  "rear_window": 0.12, "garage_door": 0.08, "skylight": 0.01, "unlocked": 0.08},
        "method": {"lock_forced": 0.2, "glass_smashed": 0.2, "jemmied": 0.18, "latch_slipped": 0.05,
                   "screen_cut": 0.02, "key_used": 0.02, "no_force": 0.15},
        "search": {"tidy": 0.1, "ransacked": 0.3, "bedroom_only": 0.15, "none": 0.05},
        "taken": {"jewellery": 0.15, "cash": 0.12, "electronics": 0.22, "tools": 0.1, "car_keys": 0.05,
                  "bicycle": 0.06, "alcohol": 0.03, "nothing": 0.07},
    },
    "robbery": {
        "approach": {"from_behind": 0.2, "asked_question": 0.15, "followed": 0.12, "blitz": 0.2, "surrounded": 0.12,
                     "offered_lift": 0.02},
        "threat": {"knife": 0.25, "firearm_shown": 0.03, "syringe": 0.02, "bottle": 0.05, "verbal_only": 0.2,
                   "physical": 0.3},
        "target": {"phone": 0.3, "cash": 0.25, "bag": 0.12, "jewellery": 0.05, "car": 0.03, "cigarettes": 0.08},
    },
    "sexual_offence": {
        "contact": {"stranger": 0.25, "met_online": 0.12, "acquaintance": 0.35, "rideshare": 0.04, "party": 0.1,
                    "workplace": 0.04},
        "control": {"restraint": 0.08, "weapon": 0.05, "intoxicated": 0.3, "drugged": 0.04, "none_reported": 0.25},
        "approach": {"from_behind": 0.05, "followed": 0.05, "offered_lift": 0.03},
    },
    "assault": {
        "approach": {"from_behind": 0.1, "blitz": 0.2, "surrounded": 0.1},
        "threat": {"knife": 0.1, "bottle": 0.1, "physical": 0.5, "verbal_only": 0.1},
        "contact": {"stranger": 0.4, "acquaintance": 0.4, "party": 0.05},
    },
    "other": {"taken": {"cash": 0.1, "tools": 0.1, "bicycle": 0.1}},
}
_LABEL = {"entry": "Point of entry", "method": "Entry method", "search": "Search", "taken": "Property taken",
          "approach": "Approach", "threat": "Threat", "target": "Property demanded", "contact": "Contact",
          "control": "Control"}
FACT_TEXT = {f"{k}:{v}": (f"{_LABEL[k]}: {v.replace('_', ' ')}.", f"MO {k} - {v.replace('_', ' ')}.",
                          f"{_LABEL[k]} recorded as {v.replace('_', ' ')}.")
             for k, values in MO_VALUES.items() for v in values}
PLACE_TEXT = {p: (f"at the {p.replace('_', ' ')}", f"at a {p.replace('_', ' ')} address", f"near the {p.replace('_', ' ')}")
              for p in PLACES}

CITY_VOCAB = Vocab(
    background_type_p={"burglary": 0.52, "robbery": 0.2, "sexual_offence": 0.12, "assault": 0.1, "other": 0.06},
    offender_type_p={"burglary": 0.6, "robbery": 0.25, "sexual_offence": 0.15},
    drift_types={"burglary": ("robbery", "other"), "robbery": ("burglary", "assault"),
                 "sexual_offence": ("assault", "robbery")},
    places=PLACES, place_p=PLACE_P,
    circumstances=tuple(f"{k}:{v}" for k, values in MO_VALUES.items() for v in values), circ_p={},
    substances=("alcohol", "cannabis", "methamphetamine", "ghb", "benzodiazepines", "cocaine"),
    subst_p={"sexual_offence": {"alcohol": 0.5, "cannabis": 0.1, "methamphetamine": 0.08, "ghb": 0.03,
                                "benzodiazepines": 0.04, "cocaine": 0.02},
             "assault": {"alcohol": 0.6, "methamphetamine": 0.1}},
    sedatives=("ghb", "benzodiazepines"),
    weapons=("knife", "firearm", "syringe", "bottle", "blunt_instrument", "hands_feet", "screwdriver", "jemmy", "none"),
    weapon_p={"burglary": {"screwdriver": 0.4, "jemmy": 0.25, "none": 0.35},
              "robbery": {"knife": 0.35, "hands_feet": 0.35, "firearm": 0.03, "syringe": 0.04, "bottle": 0.08,
                          "blunt_instrument": 0.15},
              "sexual_offence": {"none": 0.7, "hands_feet": 0.2, "knife": 0.1},
              "assault": {"hands_feet": 0.6, "bottle": 0.15, "knife": 0.1, "blunt_instrument": 0.15}},
    weapon_recorded_p={"burglary": 0.3, "robbery": 0.7, "sexual_offence": 0.3, "assault": 0.6},
    tox_recorded_p={"sexual_offence": 0.3, "assault": 0.05},
    victim_tags=("student", "elderly", "lives_alone", "international_student", "shift_worker", "tourist", "disabled",
                 "sex_worker"),
    tag_p={"student": 0.12, "elderly": 0.06, "lives_alone": 0.08, "international_student": 0.04,
           "shift_worker": 0.05, "tourist": 0.03, "disabled": 0.02, "sex_worker": 0.01},
    tags_recorded_p=0.35,
    ethnicities=("European", "Maori", "Pacific", "Asian", "MELAA", "Other"),
    ethnicity_p=(0.62, 0.13, 0.05, 0.15, 0.02, 0.03),
    male_p={"burglary": 0.5, "robbery": 0.7, "sexual_offence": 0.1, "assault": 0.65, "other": 0.5},
    age_ms={"burglary": (45, 18), "robbery": (24, 9), "sexual_offence": (22, 7), "assault": (29, 11), "other": (40, 16)},
    class_p={},
    status_p={"burglary": {"unsolved": 0.75, "closed": 0.12, "cleared_arrest": 0.05, "open": 0.08},
              "robbery": {"unsolved": 0.55, "cleared_arrest": 0.15, "open": 0.2, "closed": 0.1},
              "sexual_offence": {"open": 0.35, "unsolved": 0.3, "closed": 0.2, "cleared_arrest": 0.15},
              "assault": {"closed": 0.35, "cleared_arrest": 0.3, "unsolved": 0.2, "open": 0.15},
              "other": {"closed": 0.6, "open": 0.2, "unsolved": 0.2}},
    actions=("scene_examined", "fingerprints_lifted", "cctv_reviewed", "house_to_house", "dna_swabbed",
             "stolen_property_listed"),
    action_p={"scene_examined": 0.6, "fingerprints_lifted": 0.25, "cctv_reviewed": 0.3, "house_to_house": 0.15,
              "dna_swabbed": 0.1, "stolen_property_listed": 0.4},
    hour_profile=V.HOUR_PROFILE,
    victim_named_p={"burglary": 0.6, "robbery": 0.5, "sexual_offence": 0.1, "assault": 0.5, "other": 0.4},
    online_fact="contact:met_online", drug_fact=None, mo_values=MO_VALUES, mo=MO,
    fact_text=FACT_TEXT, place_text=PLACE_TEXT,
)

CITY_ACQUISITIVE = Profile(
    name="city-acquisitive",
    description="A mid-size city (Christchurch-like), 2017-2020: burglaries, robberies and sexual offences with "
                "keyed MO codes (entry:rear_window); 15% of cases serial, offenders active for weeks to a year "
                "within a few km; few narratives; victims' details often unrecorded.",
    vocab=CITY_VOCAB, geography=CITY,
    behaviour=Behaviour(series_share=0.15, series_size_p=0.25, series_size_max=40, home_hot_share=0.3,
                        home_spread=1.0, alt_share=0.1, alt_km=1.5, range_km_median=1.2, range_km_sigma=0.6, range_km_max=4.0,
                        gap_days_median=12.0, max_active_days=365.0, drift_share=0.1, partner_share=0.1, local_partners=True,
                        solved_share=0.35, appear_share=0.1, singleton_label_p=0.5, weekend_share=0.2),
    missingness=Missingness(location=0.08, place=0.12, age_noise=0.1, age=0.35, ethnicity=0.5, sex=0.05,
                            fact_keep=0.8, narrative=0.6, area=0.02, date_only=0.12),
    start="2017-01-01", end="2021-01-01",
)
