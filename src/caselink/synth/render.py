"""How one person, phone or vehicle is written down differently in each case that mentions it.

Each function takes the true value and a per-mention random integer ``r`` and returns the spelling
an officer might have typed: nicknames, initials, surname first, typos, shouted capitals; phones in
E.164 or national form with spaces, dashes or brackets; registrations with and without spaces.
"""

from __future__ import annotations

from caselink.synth.names import NICKNAMES, phone_digits

_KEYS = "qwertyuiopasdfghjklzxcvbnm"
_NEAR = {c: _KEYS[max(0, i - 1)] + _KEYS[min(len(_KEYS) - 1, i + 1)] for i, c in enumerate(_KEYS)}
# Cumulative thresholds (out of 100) for name variants of people named in several cases.
NAME_VARIANTS = ("plain", "surname_first", "initial", "nickname", "typo_last", "typo_first", "upper")
_NAME_CUT = (36, 48, 58, 73, 83, 91, 100)


def typo(word: str, r: int) -> str:
    """One keyboard slip: swap, drop, double or a neighbouring key."""
    if len(word) < 4:
        return word
    i = 1 + r % (len(word) - 2)
    op = (r >> 8) % 4
    if op == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == 1:
        return word[:i] + word[i + 1:]
    if op == 2:
        return word[:i] + word[i] + word[i:]
    low = word[i].lower()
    if low not in _NEAR:
        return word[:i] + word[i + 1:]
    sub = _NEAR[low][(r >> 12) % 2]
    return word[:i] + (sub.upper() if word[i].isupper() else sub) + word[i + 1:]


def name_variant(first: str, last: str, r: int, varied: bool) -> str:
    """A written form of ``first last``; one-off people are mostly written plainly."""
    pick = r % 100
    if not varied:
        pick = 0 if pick < 90 else _NAME_CUT[(r >> 7) % len(_NAME_CUT)] - 1
    kind = next(k for k, cut in zip(NAME_VARIANTS, _NAME_CUT, strict=True) if pick < cut)
    if kind == "surname_first":
        return f"{last.upper()}, {first}" if (r >> 16) % 2 else f"{last} {first}"
    if kind == "initial":
        return f"{first[0]}. {last}" if (r >> 16) % 2 else f"{first[0]} {last}"
    if kind == "nickname" and first in NICKNAMES:
        options = NICKNAMES[first]
        return f"{options[(r >> 16) % len(options)]} {last}"
    if kind == "typo_last":
        return f"{first} {typo(last, r >> 4)}"
    if kind == "typo_first":
        return f"{typo(first, r >> 4)} {last}"
    if kind == "upper":
        return f"{first} {last}".upper()
    return f"{first} {last}"


def _group(digits: str, groups: tuple[int, ...]) -> list[str]:
    out, i = [], 0
    for g in groups:
        out.append(digits[i:i + g])
        i += g
    return out


def phone_variant(index: int, r: int) -> str:
    """Drama number ``index`` written one of seven ways (+44 7700 900123, 07700900123, ...)."""
    nsn, groups = phone_digits(index)
    national = _group("0" + nsn, groups)
    intl = [national[0][1:]] + national[1:]
    style = r % 7
    if style == 0:
        return "+44 " + " ".join(intl)
    if style == 1:
        return "0" + nsn
    if style == 2:
        return "-".join(national)
    if style == 3:
        return " ".join(national)
    if style == 4:
        return "+44" + nsn
    if style == 5:
        return f"({national[0]}) " + " ".join(national[1:])
    return "0044 " + " ".join(intl)


_REG_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"


def registration(index: int) -> str:
    """A unique British-format registration (two letters, age digits, three letters) for ``index``."""
    n = len(_REG_LETTERS)
    cap = n ** 4 * 48
    index, suffix = (index % cap * 7919 + 12345) % cap, index // cap
    area = "L" + _REG_LETTERS[index % n]
    index //= n
    age = (index % 24) + (2 if (index // 24) % 2 == 0 else 51)
    index //= 48
    tail = ""
    for _ in range(3):
        tail += _REG_LETTERS[index % n]
        index //= n
    return f"{area}{age:02d} {tail}" if suffix == 0 else f"{area}{age:02d} {tail}{suffix}"


def vehicle_variant(index: int, r: int) -> str:
    reg = registration(index)
    style = r % 4
    if style == 1:
        return reg.replace(" ", "")
    if style == 2:
        return reg.lower()
    if style == 3:
        return reg[:2] + " " + reg[2:]
    return reg


def dob_variant(iso: str, r: int) -> str:
    """Mostly the true date; sometimes day and month swapped (a common transcription slip)."""
    if r % 40 == 0 and int(iso[8:10]) <= 12 and iso[5:7] != iso[8:10]:
        return f"{iso[:4]}-{iso[8:10]}-{iso[5:7]}"
    return iso


def handle(first: str, last: str, person: int) -> str:
    """A person's online handle (unique: it carries the person id)."""
    f, surname = first.lower(), "".join(ch for ch in last.lower() if ch.isalpha())
    style = person % 3
    if style == 0:
        return f"{f}_{person}"
    if style == 1:
        return f"{surname}.{person}"
    return f"{f[0]}{surname}{person}"


def handle_variant(first: str, last: str, person: int, r: int) -> str:
    """``@name``, ``name``, ``NAME`` or ``@Name``: handles are case-insensitive, the @ optional."""
    h = handle(first, last, person)
    return ("@" + h, h, h.upper(), "@" + h.capitalize())[r % 4]
