"""Importers map public datasets onto the case contract; each yields ``SourceRecord``s.

An importer is ``read(paths: list[Path]) -> Iterator[SourceRecord]``: raw dicts in the
contract's shape, validated by the same code as any other input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from caselink.ingest.readers import SourceRecord

Importer = Callable[[list[Path]], Iterator[SourceRecord]]
IMPORTERS: dict[str, Importer] = {}
