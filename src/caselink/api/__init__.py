"""REST API (under /api/v1) and the server that also serves the web pages."""

from __future__ import annotations

from caselink.api.app import API_PREFIX, create_app
from caselink.api.context import Settings

__all__ = ["API_PREFIX", "Settings", "create_app"]
