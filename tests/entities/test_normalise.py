"""Table-driven tests for every entity normaliser, including hostile Unicode."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caselink.entities.nicknames import formal_names
from caselink.entities.normalise import (
    NormaliseError,
    clean_text,
    match_key,
    normalise,
    normalise_address,
    normalise_dob,
    normalise_email,
    normalise_handle,
    normalise_name,
    normalise_phone,
    normalise_vehicle,
    swapped_dob,
    uk_postcode,
)

NAMES = [
    ("Stephen Port", ("stephen", "port")),
    ("  stephen   PORT ", ("stephen", "port")),
    ("Port, Stephen", ("stephen", "port")),
    ("PORT, Stephen John", ("stephen", "port")),
    ("PORT Stephen", ("stephen", "port")),             # surname first, in capitals
    ("STEPHEN PORT", ("stephen", "port")),
    ("S. Port", ("s", "port")),
    ("S Port", ("s", "port")),
    ("Mr Stephen O'Brien", ("stephen", "obrien")),
    ("Dr. Anna Smith-Jones", ("anna", "smith-jones")),
    ("José Núñez", ("jose", "nunez")),
    ("Zoë Łukasz", ("zoe", "lukasz")),
    ("Jürgen Straße", ("jurgen", "strasse")),
    ("Jo\u200bhn Smith", ("john", "smith")),           # zero-width space inside a word
    ("\u202eJohn Smith\u202c", ("john", "smith")),     # right-to-left override and pop
    ("\u200fJohn\u200e Smith", ("john", "smith")),     # RTL / LTR marks
    ("\ufeffJohn Smith", ("john", "smith")),           # byte-order mark
    ("Jo\u00adhn Smith", ("john", "smith")),           # soft hyphen
    ("Ｊｏｈｎ　Ｓｍｉｔｈ", ("john", "smith")),        # full-width letters and ideographic space
    ("J\u043ehn Sm\u0456th", ("john", "smith")),       # Cyrillic о and і inside Latin words
    ("\u0391nna Smith", ("anna", "smith")),            # Greek capital alpha
    ("Иван Петров", ("иван", "петров")),               # a genuinely Cyrillic name is kept
    ("Madonna", ("", "madonna")),
]


@pytest.mark.parametrize(("written", "expected"), NAMES)
def test_names(written: str, expected: tuple[str, str]) -> None:
    name = normalise_name(written)
    assert name is not None
    assert (name.first, name.last) == expected


@pytest.mark.parametrize("written", ["", "   ", "\u200b\u200f", "123 456", "!!!", None])
def test_names_with_nothing_name_like(written: str | None) -> None:
    assert normalise_name(written) is None


@pytest.mark.parametrize(("first", "formal"), [
    ("steve", {"stephen", "steven"}), ("bill", {"william"}), ("pat", {"patrick", "patricia"}),
    ("stephen", {"stephen"}), ("kwame", set()),
])
def test_nicknames(first: str, formal: set[str]) -> None:
    assert set(formal_names(first)) == formal | {first}


def test_initial_has_no_formal_names() -> None:
    name = normalise_name("S. Port")
    assert name is not None and name.is_initial and name.formal == ()


@pytest.mark.parametrize(("written", "iso"), [
    ("1980-01-03", "1980-01-03"), ("1980-1-3", "1980-01-03"), ("03/01/1980", "1980-01-03"),
    ("3.1.1980", "1980-01-03"), ("19800103", "1980-01-03"), ("1980-01-03T00:00:00", "1980-01-03"),
    ("\u200b1980-01-03", "1980-01-03"), ("１９８０-０１-０３", "1980-01-03"),
    ("31/02/1980", None), ("1870-01-01", None), ("yesterday", None), ("", None), (None, None),
])
def test_dob(written: str | None, iso: str | None) -> None:
    assert normalise_dob(written) == iso


@pytest.mark.parametrize(("iso", "swapped"), [
    ("1980-03-01", "1980-01-03"), ("1980-01-13", None), ("1980-05-05", None), (None, None)])
def test_swapped_dob(iso: str | None, swapped: str | None) -> None:
    assert swapped_dob(iso) == swapped


@pytest.mark.parametrize(("written", "e164"), [
    ("+44 7700 900123", "+447700900123"), ("07700 900123", "+447700900123"), ("07700-900123", "+447700900123"),
    ("(07700) 900123", "+447700900123"), ("0044 7700 900123", "+447700900123"), ("+447700900123", "+447700900123"),
    ("020 7946 0123", "+442079460123"), ("+1 212-555-0100", "+12125550100"),
    ("07700\u200b900123", "+447700900123"), ("０７７００ ９００１２３", "+447700900123"),
    ("999", None), ("12", None), ("not a phone", None), ("", None), (None, None),
])
def test_phone(written: str | None, e164: str | None) -> None:
    assert normalise_phone(written) == e164


def test_phone_region_is_configurable() -> None:
    assert normalise_phone("(212) 555-0100", region="US") == "+12125550100"
    assert normalise_phone("(212) 555-0100") != "+12125550100"
    with pytest.raises(NormaliseError, match="unknown phone region 'XX'"):
        normalise_phone("07700 900123", region="XX")


@pytest.mark.parametrize(("written", "plate"), [
    ("LA51 ABC", "LA51ABC"), ("la51abc", "LA51ABC"), ("LA 51ABC", "LA51ABC"), ("la51-abc", "LA51ABC"),
    ("LA51 \u0410BC", "LA51ABC"),  # Cyrillic А in a Latin plate
    ("ＬＡ５１ＡＢＣ", "LA51ABC"), ("", None), ("--", None),
])
def test_vehicle(written: str, plate: str | None) -> None:
    assert normalise_vehicle(written) == plate


@pytest.mark.parametrize(("written", "email"), [
    ("A.B@Example.COM", "a.b@example.com"), (" <a.b@example.com> ", "a.b@example.com"),
    ("mailto:x@example.com", "x@example.com"),
    ("John.Smith+news@gmail.com", "johnsmith@gmail.com"), ("johnsmith@googlemail.com", "johnsmith@gmail.com"),
    ("a.b+c@example.com", "a.b+c@example.com"),   # other providers: dots and + may be meaningful
    ("jo\u200bhn@example.com", "john@example.com"),
    ("no-at-sign", None), ("@example.com", None), ("x@localhost", None), ("", None),
])
def test_email(written: str, email: str | None) -> None:
    assert normalise_email(written) == email


@pytest.mark.parametrize(("written", "handle"), [
    ("@Foo_Bar", "foo_bar"), ("foo_bar", "foo_bar"), ("https://twitter.com/Foo_Bar", "foo_bar"),
    ("https://www.instagram.com/foo.bar/", "foo.bar"), ("x.com/@Foo", "foo"), ("@\u200bfoo", "foo"),
    ("@", None), ("", None),
])
def test_handle(written: str, handle: str | None) -> None:
    assert normalise_handle(written) == handle


@pytest.mark.parametrize(("written", "address", "postcode"), [
    ("12 High Rd, Barking IG11 7QA", "12 high road barking ig11 7qa", "IG11 7QA"),
    ("12 high road barking ig117qa", "12 high road barking ig11 7qa", "IG11 7QA"),
    ("Flat 2, 5 Station Ave, London E6 1AB", "flat 2 5 station avenue london e6 1ab", "E6 1AB"),
    ("1 Downing St, SW1A 2AA", "1 downing street sw1a 2aa", "SW1A 2AA"),
    ("somewhere without a postcode", "somewhere without a postcode", None),
])
def test_address(written: str, address: str, postcode: str | None) -> None:
    assert normalise_address(written) == address
    assert uk_postcode(written) == postcode


def test_dispatch_and_unknown_kind() -> None:
    assert normalise("person", "PORT, Stephen") == "stephen port"
    assert normalise("phone", "07700 900123") == "+447700900123"
    with pytest.raises(NormaliseError, match="unknown entity kind 'car'"):
        normalise("car", "x")


def test_match_key_keeps_the_intel_contract() -> None:
    assert match_key("phone", "+44 7700 900123") == match_key("phone", "07700-900123") == "7700900123"
    assert match_key("vehicle", " AB12-cde ") == "ab12cde"


@given(st.text(max_size=40))
def test_clean_text_leaves_no_invisible_characters(text: str) -> None:
    import unicodedata

    out = clean_text(text)
    assert not any(unicodedata.category(ch) == "Cf" for ch in out)
    assert not any(unicodedata.combining(ch) for ch in out)
    assert clean_text(out) == out


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Zs", "Cf"]), max_size=30))
def test_name_normalisation_is_idempotent(text: str) -> None:
    name = normalise_name(text)
    if name is not None and name.first:
        again = normalise_name(name.full)
        assert again is not None and again.full == name.full
