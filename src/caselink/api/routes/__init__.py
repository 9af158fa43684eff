"""API routers, one per area. ``ROUTERS`` lists those whose part of caselink is installed."""

from __future__ import annotations

import importlib
import logging

from fastapi import APIRouter

log = logging.getLogger("caselink.api")

# (router module, module it needs): a router waits until the part it shows has landed.
_AREAS = [
    ("caselink.api.routes.auth", None),
    ("caselink.api.routes.cases", None),
    ("caselink.api.routes.alerts", None),
    ("caselink.api.routes.audit", None),
    ("caselink.api.routes.linkage", "caselink.linkage"),
    ("caselink.api.routes.intel", "caselink.intel"),
    ("caselink.api.routes.analysis", "caselink.checks"),
    ("caselink.api.routes.entities", "caselink.entities"),
]


def routers() -> list[APIRouter]:
    found: list[APIRouter] = []
    for module_name, needs in _AREAS:
        if needs is not None:
            try:
                importlib.import_module(needs)
            except ImportError:
                log.info("%s not installed: its API routes are absent", needs)
                continue
        found.append(importlib.import_module(module_name).router)
    return found
