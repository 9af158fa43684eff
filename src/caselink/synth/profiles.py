"""The named synthetic data profiles (``caselink synth --profile NAME``)."""

from __future__ import annotations

from caselink.synth.city import CITY_ACQUISITIVE
from caselink.synth.profile import LONDON_DEATHS, Profile

PROFILES: dict[str, Profile] = {p.name: p for p in (LONDON_DEATHS, CITY_ACQUISITIVE)}
DEFAULT_PROFILE = LONDON_DEATHS.name


def get_profile(name: str) -> Profile:
    """The profile called ``name``; a ``SynthError`` naming the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        from caselink.synth.generator import SynthError

        raise SynthError(f"unknown synthetic data profile {name!r}: choose one of {', '.join(PROFILES)}") from None


__all__ = ["DEFAULT_PROFILE", "PROFILES", "Profile", "get_profile"]
