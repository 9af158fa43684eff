"""One error hierarchy: every error a user can see is a CaselinkError with an actionable message."""

from __future__ import annotations

from dataclasses import dataclass


class CaselinkError(Exception):
    """Base class for errors shown to users (CLI prints the message, API returns it as JSON)."""

    exit_code = 1
    code = "error"


@dataclass(frozen=True, order=True)
class Problem:
    """One validation problem: where it is (file, line) and what is wrong with which field."""

    source: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.field}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.source, "line": self.line, "field": self.field, "message": self.message}


class ValidationFailed(CaselinkError):
    """Input had invalid records; nothing was written. Carries every problem found."""

    code = "validation_failed"

    def __init__(self, problems: list[Problem], total_records: int | None = None) -> None:
        self.problems = sorted(problems)
        self.total_records = total_records
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found; nothing was written"
        super().__init__(head + "\n" + "\n".join(str(p) for p in self.problems))


class InputError(CaselinkError):
    """A file cannot be read at all (missing, wrong format, bad header)."""

    code = "input_error"


class NotFound(CaselinkError):
    """A requested object (case, report, series, model) does not exist or is not visible."""

    code = "not_found"
    exit_code = 3


class PurposeRequired(CaselinkError):
    """Reading case detail or exporting needs a stated purpose for the audit log."""

    code = "purpose_required"
    exit_code = 4


class StoreError(CaselinkError):
    """The store cannot be opened or is in an unexpected state."""

    code = "store_error"


class AuditTampered(CaselinkError):
    """The audit log's hash chain does not verify."""

    code = "audit_tampered"
    exit_code = 5


class ModelError(CaselinkError):
    """A model file is missing, of an unknown version, or used before it was fitted."""

    code = "model_error"


class ConfigError(CaselinkError):
    """A policy, rules or settings file is invalid."""

    code = "config_error"
