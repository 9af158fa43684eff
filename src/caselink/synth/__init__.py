"""Synthetic case records with planted series: the project's reference benchmark and demo data.

``generate(n_cases, seed, profile=)`` returns a ``SynthResult`` whose ``records`` are contract-valid case
dicts and whose ``truth`` says which offender committed which case (solved or not) and which true
person each entity mention is.
"""

from __future__ import annotations

from caselink.synth.generator import SynthConfig, SynthError, SynthResult, generate
from caselink.synth.profiles import DEFAULT_PROFILE, PROFILES, Profile, get_profile

__all__ = ["DEFAULT_PROFILE", "PROFILES", "Profile", "SynthConfig", "SynthError", "SynthResult", "generate",
           "get_profile", "write_jsonl"]


def write_jsonl(n_cases: int, path: str, seed: int = 0, profile: str = DEFAULT_PROFILE) -> SynthResult:
    """Generate ``n_cases`` cases of ``profile`` for ``seed`` and write them to ``path`` as JSON Lines."""
    result = generate(n_cases, seed=seed, profile=profile)
    result.write_jsonl(path)
    return result
