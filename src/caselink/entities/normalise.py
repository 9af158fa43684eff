"""Normalisers for entity values: the single home for how a person, phone, vehicle, e-mail, handle
or address is written down in a comparable form.

Two layers:

* ``match_key(kind, value)`` and ``SQL_MATCH_KEY``: the cheap exact-match key, mirrored in SQL so
  that stored values can be matched without leaving the database (used by ``caselink.intel``).
* ``normalise_*``: the richer forms resolution compares (E.164 phones via ``phonenumbers``, names
  split into first/last with nicknames and initials, ISO dates of birth, UK postcodes).

Every text goes through ``clean_text`` first, which removes what a hostile or careless writer can
hide in a string: zero-width and bidirectional control characters, compatibility forms (full-width
letters), accents, and Cyrillic/Greek letters that look Latin when mixed into a Latin word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from caselink.entities.nicknames import formal_names
from caselink.errors import CaselinkError

DEFAULT_REGION = "GB"
KINDS = ("person", "phone", "vehicle", "email", "handle", "address")


class NormaliseError(CaselinkError):
    """An entity value or setting cannot be normalised (e.g. an unknown phone region)."""

    code = "normalise_error"


# -- exact-match key, Python and SQL (moved here from caselink.intel.entities) ----------------------
SQL_MATCH_KEY = ("CASE WHEN {col_kind} = 'phone' THEN regexp_replace(regexp_replace(regexp_replace("
                 "regexp_replace({col}, '[^0-9]', '', 'g'), '^00', ''), '^440?([0-9]{{10}})$', '\\1'), '^0', '') "
                 "WHEN {col_kind} = 'vehicle' THEN lower(regexp_replace({col}, '[^0-9A-Za-z]', '', 'g')) "
                 "ELSE lower(trim(regexp_replace({col}, '\\s+', ' ', 'g'))) END")
_UK_INTERNATIONAL = re.compile(r"440?(\d{10})")


def match_key(kind: str, value: str) -> str:
    """Exact-match key, identical to ``SQL_MATCH_KEY``: lower case with spaces collapsed; phones as
    digits without the UK prefix (+44, 0044) or trunk 0; vehicles as letters and digits."""
    if kind == "phone":
        digits = "".join(ch for ch in value if ch.isdigit())
        digits = digits[2:] if digits.startswith("00") else digits
        m = _UK_INTERNATIONAL.fullmatch(digits)
        digits = m.group(1) if m else digits
        return digits[1:] if digits.startswith("0") else digits
    if kind == "vehicle":
        return "".join(ch for ch in value if ch.isascii() and ch.isalnum()).lower()
    return " ".join(value.split()).lower()


# -- hostile Unicode --------------------------------------------------------------------------------
# Cyrillic and Greek letters that render like Latin ones (a subset of Unicode's confusables.txt).
_CONFUSABLE = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ѵ": "v",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u", "χ": "x",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
})
_CONFUSABLE_CHARS = frozenset(chr(c) for c in _CONFUSABLE)
# Letters NFKD does not decompose into a base letter plus accent.
_SPECIAL = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE",
                          "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th",
                          "Þ": "TH", "ı": "i", "ẞ": "SS"})


def _is_latinish(ch: str) -> bool:
    return ch.isascii() or "LATIN" in unicodedata.name(ch, "")


def _deconfuse(word: str) -> str:
    """Map look-alike letters to Latin only in a word that is otherwise Latin (a spoof), so a
    genuinely Cyrillic or Greek name is left as written."""
    letters = [ch for ch in word if ch.isalpha()]
    if not any(ch in _CONFUSABLE_CHARS for ch in letters):
        return word
    if all(ch in _CONFUSABLE_CHARS or _is_latinish(ch) for ch in letters) and any(
            _is_latinish(ch) for ch in letters):
        return word.translate(_CONFUSABLE)
    return word


def clean_text(value: str) -> str:
    """Compatibility-fold, drop invisible format characters, de-spoof and strip accents; spaces
    collapsed. Case is kept (callers decide)."""
    text = unicodedata.normalize("NFKC", value)
    text = "".join(" " if ch.isspace() else ch for ch in text if unicodedata.category(ch) != "Cf")
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_deconfuse(w) for w in text.split())


# -- people -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonName:
    """A normalised personal name: ``first`` may be a single initial; ``formal`` lists the formal
    first names a nickname may stand for (``steve`` -> stephen, steven)."""

    first: str
    last: str
    middle: str = ""

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.first, self.last) if p)

    @property
    def is_initial(self) -> bool:
        return len(self.first) == 1

    @property
    def formal(self) -> tuple[str, ...]:
        return () if self.is_initial else formal_names(self.first)


_NAME_JUNK = re.compile(r"[^\w\s,'’\-.]")
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "rev"})


def _name_words(text: str) -> list[str]:
    text = re.sub(r"['’]", "", text)           # o'brien -> obrien
    text = re.sub(r"\s*-\s*", "-", text).replace(".", " ")  # smith - jones -> smith-jones; s. port -> s port
    return [w for w in text.split() if w and not w.isdigit()]


def normalise_name(value: str | None) -> PersonName | None:
    """Split a written name into first and last, whatever its case, accents, order or titles.

    ``"PORT, Stephen"``, ``"Port, Stephen"`` and ``"PORT Stephen"`` (surname in capitals first) all
    give first ``stephen``, last ``port``. Returns None when nothing name-like is left.
    """
    if not value:
        return None
    text = _NAME_JUNK.sub(" ", clean_text(value))
    if "," in text:
        last_part, _, first_part = text.partition(",")
        words = _name_words(first_part.replace(",", " ")) + _name_words(last_part)
        raw = words
    else:
        raw = _name_words(text)
        shouted = [w for w in raw if w.isupper() and len(w) > 1]
        if len(raw) >= 2 and len(shouted) == 1 and raw[0] == shouted[0]:
            raw = raw[1:] + raw[:1]                # "PORT Stephen": surname written first in capitals
    folded = (clean_text(w.casefold()) for w in raw)  # casefolding can make letters cleaning maps
    words = [w for w in folded if w and w not in _TITLES]
    if not words:
        return None
    if len(words) == 1:
        return PersonName("", words[0])
    return PersonName(words[0], words[-1], " ".join(words[1:-1]))


_DOB_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DOB_UK = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_DOB_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def normalise_dob(value: str | None) -> str | None:
    """An ISO date (YYYY-MM-DD) from ISO, UK day-first (``03/01/1980``) or compact forms; None if
    the text is not a real date between 1880 and 2100."""
    if not value:
        return None
    text = clean_text(value).strip()
    if m := _DOB_ISO.match(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _DOB_UK.fullmatch(text):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _DOB_COMPACT.fullmatch(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        return None
    if not 1880 <= y <= 2100:
        return None
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


def swapped_dob(iso: str | None) -> str | None:
    """The date with day and month exchanged (a common transcription slip), if that is a date."""
    if not iso or int(iso[8:10]) > 12 or iso[5:7] == iso[8:10]:
        return None
    return f"{iso[:4]}-{iso[8:10]}-{iso[5:7]}"


# -- phones, vehicles, e-mail, handles, addresses -----------------------------------------------------
def normalise_phone(value: str | None, region: str = DEFAULT_REGION) -> str | None:
    """E.164 (``+447700900123``) via ``phonenumbers``, reading national numbers as ``region``.

    Numbers that cannot be a phone number anywhere (too short or long) give None.
    """
    import phonenumbers

    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise NormaliseError(f"unknown phone region {region!r}: use a two-letter ISO 3166 code such as GB")
    if not value:
        return None
    try:
        number = phonenumbers.parse(clean_text(value), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalise_vehicle(value: str | None) -> str | None:
    """A registration as upper-case letters and digits (``la51 abc`` -> ``LA51ABC``)."""
    if not value:
        return None
    out = "".join(ch for ch in clean_text(value) if ch.isascii() and ch.isalnum()).upper()
    return out or None


# Providers documented to ignore dots and deliver ``name+tag`` to ``name``.
_DOTLESS_PLUS = frozenset({"gmail.com", "googlemail.com"})


def normalise_email(value: str | None) -> str | None:
    """Lower case; for Gmail (which ignores dots and ``+tag``) the canonical mailbox. Other providers
    keep dots and ``+`` since they may mean distinct mailboxes there."""
    if not value:
        return None
    text = clean_text(value).strip().strip("<>").casefold().replace(" ", "")
    text = text.removeprefix("mailto:")
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain:
        return None
    if domain in _DOTLESS_PLUS:
        local, domain = local.split("+", 1)[0].replace(".", ""), "gmail.com"
    return f"{local}@{domain}" if local else None


_HANDLE_URL = re.compile(r"^(?:https?://)?(?:www\.)?[a-z0-9.\-]+\.[a-z]{2,}/+@?([^/?#]+)")


def normalise_handle(value: str | None) -> str | None:
    """An online handle: profile URLs reduced to the name, ``@`` dropped, case folded."""
    if not value:
        return None
    text = clean_text(value).strip().casefold().replace(" ", "")
    if m := _HANDLE_URL.match(text):
        text = m.group(1)
    text = text.lstrip("@")
    return text or None


_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b")
_ABBREV = {"rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "ln": "lane", "cl": "close",
           "cres": "crescent", "gdns": "gardens", "pl": "place", "sq": "square", "ct": "court", "hse": "house"}


def uk_postcode(value: str | None) -> str | None:
    """The UK postcode in a text, in canonical form (``ig117qa`` -> ``IG11 7QA``), or None."""
    if not value:
        return None
    m = _POSTCODE.search(clean_text(value).upper())
    return f"{m.group(1)} {m.group(2)}" if m else None


def normalise_address(value: str | None) -> str | None:
    """Light address normalisation: case, punctuation, common abbreviations (``Rd`` -> road), and
    the postcode in canonical form at the end."""
    if not value:
        return None
    postcode = uk_postcode(value)
    text = clean_text(value)
    if postcode:
        text = _POSTCODE.sub(" ", text.upper())
    words = re.sub(r"[^\w\s]", " ", text.casefold()).split()
    words = [_ABBREV.get(w, w) for w in words]
    out = " ".join([*words, postcode.lower()] if postcode else words)
    return out or None


def normalise(kind: str, value: str | None, *, region: str = DEFAULT_REGION) -> str | None:
    """The normalised value resolution keys on, for any entity kind (None: nothing usable)."""
    if kind == "person":
        name = normalise_name(value)
        return name.full if name else None
    if kind == "phone":
        return normalise_phone(value, region)
    if kind == "vehicle":
        return normalise_vehicle(value)
    if kind == "email":
        return normalise_email(value)
    if kind == "handle":
        return normalise_handle(value)
    if kind == "address":
        return normalise_address(value)
    raise NormaliseError(f"unknown entity kind {kind!r}: expected person, phone, vehicle, address, handle or email")
