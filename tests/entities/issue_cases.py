"""Hand-written cases of the entities issue: the same man (date of birth and phone) reports one
death and is an associate in another, months apart in different boroughs; a different man with
his first name and date of birth witnesses an assault."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DOB = "1979-03-14"
CASES: list[dict[str, Any]] = [
    {"case_id": "ISS-A", "occurred_from": "2016-03-10T22:00:00Z", "occurred_to": "2016-03-11T06:30:00Z",
     "lat": 51.5390, "lon": -0.1426, "incident_type": "death", "place_type": "dwelling", "area": "Camden",
     "victim_sex": "M", "victim_age": 34, "status": "closed",
     "narrative": "Man found dead in his flat by a friend who called 999. No suspicious circumstances recorded.",
     "entities": [{"kind": "person", "role": "reporter", "value": "Jonathan Q. Marsden", "dob": DOB},
                  {"kind": "phone", "role": "reporter", "value": "07700 900654"},
                  {"kind": "person", "role": "victim", "value": "Daniel Price"}]},
    {"case_id": "ISS-B", "occurred_from": "2016-09-02T21:00:00Z", "occurred_to": "2016-09-03T08:00:00Z",
     "lat": 51.3727, "lon": -0.0999, "incident_type": "death", "place_type": "park", "area": "Croydon",
     "victim_sex": "M", "victim_age": 29, "status": "closed",
     "narrative": "Body of a man found in a park in the morning. Believed accidental. An associate was spoken to.",
     "entities": [{"kind": "person", "role": "associate", "value": "MARSDEN, Jon", "dob": DOB},
                  {"kind": "phone", "role": "associate", "value": "+44 7700 900654"},
                  {"kind": "person", "role": "victim", "value": "Ryan Cole"}]},
    {"case_id": "ISS-C", "occurred_from": "2017-01-20T23:00:00Z", "lat": 51.5610, "lon": -0.0760,
     "incident_type": "assault", "place_type": "street", "area": "Hackney", "victim_sex": "F", "victim_age": 41,
     "status": "unsolved", "narrative": "Assault in the street late at night; a witness gave a statement.",
     "entities": [{"kind": "person", "role": "witness", "value": "Jonathan Marsh", "dob": DOB},
                  {"kind": "person", "role": "victim", "value": "Sarah Lee"}]},
]


def write(path: Path, records: list[dict[str, Any]] | None = None) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in (CASES if records is None else records)),
                    encoding="utf-8")
    return path
