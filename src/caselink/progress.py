"""Progress bars for long work: shown on a terminal (stderr), silent when piped or under --json."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Progress(Protocol):
    def advance(self, n: int = 1) -> None: ...


class _Silent:
    def advance(self, n: int = 1) -> None:
        pass


class _Rich:
    def __init__(self, bar: object, task: object) -> None:
        self._bar, self._task = bar, task

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)  # type: ignore[attr-defined]


def enabled() -> bool:
    """True when stderr is a terminal: the only place a bar helps a person."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def bar(description: str, total: int | None = None, *, show: bool | None = None) -> Iterator[Progress]:
    """``with bar("scoring", total=n) as p: p.advance(k)`` — a no-op unless stderr is a terminal."""
    if not (enabled() if show is None else show):
        yield _Silent()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    with RichProgress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    ) as rich_bar:
        task = rich_bar.add_task(description, total=total)
        yield _Rich(rich_bar, task)
