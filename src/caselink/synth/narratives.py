"""Free-text narratives from varied templates.

Every fact can be written several ways. A serial offender's cases lean towards one wording per
slot (the same officer team, the same modus operandi described the same way) but not always, so
narrative similarity is evidence, not an answer key. Background cases pick wordings at random.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caselink.synth import vocab as V

if TYPE_CHECKING:
    from caselink.synth.profile import Vocab

OPEN: dict[str, tuple[str, ...]] = {
    "burglary": ("Report of a burglary {place} {when}.", "Householder returned {when} to find the property {place} had been entered.",
                 "Burglary {place}; discovered {when}.", "Caller reports break-in {place} {when}."),
    "robbery": ("Victim was robbed {place} {when}.", "Street robbery reported {place} {when}.",
                "Victim approached {place} {when} and property demanded.", "Robbery {place} {when}."),
    "assault": ("Victim assaulted {place} {when}.", "Report of an assault {place} {when}.",
                "Police called to a disturbance {place} {when}; victim injured.", "Assault {place} {when}."),
    "sexual_offence": ("Victim reports a sexual assault {place} {when}.", "Sexual offence reported; it took place {place} {when}.",
                       "Victim disclosed a sexual assault {place} {when}.", "Allegation of rape {place} {when}."),
    "death": ("Body of the deceased found {place} {when}.", "Sudden death {place}; found {when}.",
              "Ambulance called {when}; the deceased was pronounced dead {place}.", "Deceased discovered {place} {when}."),
    "homicide": ("Victim found fatally injured {place} {when}.", "Murder investigation: victim killed {place} {when}.",
                 "Homicide {place} {when}.", "Police called {when}; victim died of injuries {place}."),
    "missing_person": ("Reported missing {when}; last seen {place}.", "Missing person; last known whereabouts {place} {when}.",
                       "Family report the subject missing {when}, last seen {place}."),
    "other": ("Incident {place} {when}.", "Report received {when} of an incident {place}.", "Police attended {place} {when}."),
}
PLACE: dict[str, tuple[str, ...]] = {
    "residence": ("at a house", "at a residential address", "at the victim's home"),
    "flat": ("at a flat", "in a block of flats", "at a first-floor flat"),
    "street": ("in the street", "on the pavement", "on a residential road"),
    "park": ("in a park", "on open ground in a park", "near the park gates"),
    "churchyard": ("in a churchyard", "in the grounds of a church", "by the churchyard wall"),
    "hotel": ("in a hotel room", "at a hotel", "at a budget hotel"),
    "river": ("by the river", "on the foreshore", "in the river"),
    "canal": ("on the canal towpath", "in the canal", "by the canal"),
    "car_park": ("in a car park", "on the top deck of a car park", "in a supermarket car park"),
    "station": ("at a station", "near the station entrance", "on a platform"),
    "pub": ("at a pub", "outside a public house", "in a pub"),
    "nightclub": ("at a nightclub", "outside a club", "in a nightclub"),
    "shop": ("at a shop", "in a convenience store", "at commercial premises"),
    "hostel": ("at a hostel", "in supported accommodation", "at a hostel room"),
    "commercial": ("at business premises", "at an office", "at a warehouse"),
    "bus": ("on a bus", "at a bus stop", "on the top deck of a bus"),
    "alleyway": ("in an alleyway", "in a passage between houses", "in a side alley"),
    "garden": ("in a garden", "in a rear garden", "in a garden shed"),
}
FACT: dict[str, tuple[str, ...]] = {
    "forced_entry": ("Entry was forced.", "The door had been forced.", "Signs of forced entry."),
    "rear_entry": ("Entry was gained at the rear.", "Offender came in through the back.", "Rear access used."),
    "window_entry": ("Entry through a window.", "A window was smashed to get in.", "Window left open was used."),
    "nothing_taken": ("Nothing appears to have been taken.", "Nothing reported stolen.", "No property taken."),
    "jewellery_taken": ("Jewellery was stolen.", "Gold jewellery taken.", "Rings and a watch taken."),
    "cash_taken": ("Cash was taken.", "Money stolen.", "A sum of cash taken."),
    "electronics_taken": ("Laptop and electronics taken.", "A television and a laptop were stolen.", "Electrical goods taken."),
    "phone_taken": ("Mobile phone taken.", "The victim's phone was stolen.", "Phone snatched."),
    "vehicle_taken": ("Car keys and the car taken.", "Vehicle stolen from outside.", "The victim's car was taken."),
    "ransacked": ("The premises were ransacked.", "Rooms turned over.", "Drawers emptied throughout."),
    "tidy_search": ("A tidy search; little disturbed.", "Offender searched carefully and left things neat.", "Minimal disturbance."),
    "occupant_present": ("Occupants were asleep upstairs.", "The householder was in at the time.", "Occupier present."),
    "gloves_worn": ("Glove marks found.", "Offender appears to have worn gloves.", "No fingerprints; gloves likely."),
    "victim_followed": ("The victim had been followed.", "Victim believes she was followed from the station.", "Followed before the attack."),
    "approached_from_behind": ("Approached from behind.", "Grabbed from behind.", "Attacked from behind without warning."),
    "threatened_with_weapon": ("Victim threatened with a weapon.", "A weapon was shown.", "Threats made with a weapon."),
    "restrained": ("Victim was restrained.", "Hands were tied.", "Victim held down."),
    "gagged": ("Victim was gagged.", "Mouth covered with tape.", "A gag was used."),
    "strangulation": ("Marks consistent with strangulation.", "Victim was strangled.", "Pressure to the neck."),
    "stranger": ("Offender not known to the victim.", "Stranger attack.", "Suspect unknown to the victim."),
    "known_to_victim": ("Suspect known to the victim.", "Offender is an acquaintance.", "The parties knew each other."),
    "domestic": ("Domestic incident.", "Partner involved.", "A domestic history is recorded."),
    "group_attack": ("Several offenders involved.", "A group of males.", "Attacked by a group."),
    "victim_intoxicated": ("Victim had been drinking.", "Victim intoxicated at the time.", "Victim was drunk."),
    "night_economy": ("After a night out.", "Leaving a bar late.", "Night-time economy related."),
    "face_covered": ("Offender's face was covered.", "Suspect wore a balaclava.", "Face masked."),
    "drugged": ("Victim may have been drugged.", "Suspected spiking.", "Victim believes a drink was spiked."),
    "met_online": ("Met through a dating app.", "Contact was made online.", "Arranged to meet via a website."),
    "body_moved": ("The body appears to have been moved.", "Position suggests the body was moved after death.", "Lividity inconsistent with position."),
    "posed": ("The body was posed.", "Body arranged deliberately.", "Deliberate positioning noted."),
    "note_left": ("A note was found at the scene.", "A handwritten note was recovered.", "Note left beside the deceased."),
    "undressed": ("Partially undressed.", "Clothing removed.", "Found without some clothing."),
    "chemsex": ("Chemsex context.", "Drug-assisted sex party reported.", "Associated with chemsex."),
    "body_concealed": ("The body was concealed.", "Body hidden under debris.", "Attempt to hide the body."),
    "fire_set": ("A fire was set.", "Evidence of arson.", "Premises set alight."),
    "fall_from_height": ("Fall from height.", "Fell from a balcony.", "Found below a window."),
    "drowned": ("Drowning suspected.", "Recovered from water.", "Death by drowning likely."),
    "injuries_unexplained": ("Injuries not explained.", "Unexplained bruising.", "Some injuries unaccounted for."),
    "vulnerable_victim": ("Victim is vulnerable.", "Known vulnerable adult.", "Safeguarding concerns recorded."),
    "items_left_behind": ("Offender left an item behind.", "An item not belonging to the occupier was found.", "Property left at the scene."),
}
SUBST = ("Toxicology: {list}.", "Tox screen positive for {list}.", "{list} found in toxicology.", "Post-mortem bloods show {list}.")
WEAPON = ("Weapon: {w}.", "Offender used {w}.", "Believed {w} was used.")
WEAPON_TEXT = {
    "knife": ("a knife", "a bladed article", "a kitchen knife"), "firearm": ("a firearm", "a handgun", "a gun"),
    "hands_feet": ("fists and feet", "punches and kicks", "fists"), "bottle": ("a bottle", "a broken bottle", "a glass"),
    "blunt_instrument": ("a blunt instrument", "a bat", "a metal bar"), "ligature": ("a ligature", "a cord", "a belt"),
    "screwdriver": ("a screwdriver", "a flat-bladed tool", "a screwdriver on the frame"),
    "crowbar": ("a crowbar", "a jemmy", "a wrecking bar"), "syringe": ("a syringe", "a needle", "a syringe found nearby"),
}
VICTIM = ("{Noun} {sex}, {age}.", "The {noun} is a {age}-year-old {sexw}.", "{Sexw}, aged {age}.")
NOUN = {"death": "deceased", "missing_person": "subject"}
CLOSE = {"non_suspicious": ("No suspicious circumstances.", "Not treated as suspicious.", "Death not suspicious; file to coroner."),
         "suspicious": ("Treated as suspicious.", "Enquiries continue.", "Circumstances suspicious."),
         "undetermined": ("Cause undetermined.", "Awaiting further results.", "Open verdict likely.")}
_WHEN = ((5, "in the early hours"), (12, "in the morning"), (17, "in the afternoon"), (21, "in the evening"), (24, "late at night"))


def _pick(options: tuple[str, ...], style: int, slot: int, r: int) -> str:
    """The offender's usual wording for this slot 60% of the time, otherwise a random one."""
    if style >= 0 and (r % 10) < 6:
        return options[(style * 7919 + slot * 104729) % len(options)]
    return options[(r >> 4) % len(options)]


def narrative(itype: int, place: int, hour: int, facts: tuple[str, ...], subs: tuple[str, ...],
              weapon: str | None, age: int, sex: str | None, klass: str | None, style: int, r: int,
              voc: Vocab | None = None) -> str:
    """One case's narrative; ``r`` is a per-case random integer, ``style`` the offender (-1: none);
    ``voc`` the profile's vocabulary (its own place and fact wordings; London's by default)."""
    tname = V.TYPES[itype]
    places, place_words = (voc.places, voc.place_text or PLACE) if voc is not None else (V.PLACES, PLACE)
    fact_words = (voc.fact_text or FACT) if voc is not None else FACT
    when = next(label for cut, label in _WHEN if hour < cut)
    place_text = _pick(place_words[places[place]], style, 1, r >> 3) if place >= 0 else "at an address"
    parts = [_pick(OPEN[tname], style, 0, r).format(place=place_text, when=when)]
    for i, fact in enumerate(facts):
        if fact in fact_words and ((r >> (i + 9)) & 3) != 0:
            parts.append(_pick(fact_words[fact], style, 10 + i, r >> (2 * i + 5)))
    if subs:
        parts.append(_pick(SUBST, style, 3, r >> 11).format(list=", ".join(subs)))
    if weapon and weapon != "none":
        w = _pick(WEAPON_TEXT.get(weapon, (weapon.replace("_", " "),)), style, 7, r >> 21)
        parts.append(_pick(WEAPON, style, 4, r >> 13).format(w=w))
    if age >= 0 and sex in ("M", "F") and (r >> 15) % 3:
        sexw = "man" if sex == "M" else "woman"
        noun = NOUN.get(tname, "victim")
        parts.append(_pick(VICTIM, style, 5, r >> 17).format(sex=sex, age=age, sexw=sexw, Sexw=sexw.capitalize(),
                                                             noun=noun, Noun=noun.capitalize()))
    if klass in CLOSE:
        parts.append(_pick(CLOSE[klass], style, 6, r >> 19))
    return " ".join(parts)
