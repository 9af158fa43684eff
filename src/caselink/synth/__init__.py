"""Synthetic case records with planted series: the project's reference benchmark and demo data.

``generate(n_cases, seed)`` returns a ``SynthResult`` whose ``records`` are contract-valid case
dicts and whose ``truth`` says which offender committed which case (solved or not) and which true
person each entity mention is.
"""

from __future__ import annotations

from caselink.synth.generator import SynthConfig, SynthError, SynthResult, generate

__all__ = ["SynthConfig", "SynthError", "SynthResult", "generate", "write_jsonl"]


def write_jsonl(n_cases: int, path: str, seed: int = 0) -> SynthResult:
    """Generate ``n_cases`` cases for ``seed`` and write them to ``path`` as JSON Lines."""
    result = generate(n_cases, seed=seed)
    result.write_jsonl(path)
    return result
