"""caselink: link cases that probably share an offender, keep intel on the record, audit outcomes."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
