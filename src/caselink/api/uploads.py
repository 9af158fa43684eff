"""Uploaded files: the client's file name is never used as a path, and sizes are bounded.

``BodyLimit`` refuses request bodies over the limit before they are read (413); ``save_upload``
accepts only a plain ``name.jsonl`` / ``name.csv`` and copies at most ``limit`` bytes.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import UploadFile
from starlette.types import ASGIApp, Receive, Scope, Send

from caselink.errors import CaselinkError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,120}\.(jsonl|csv)$")
UPLOAD_PATHS = ("/api/v1/cases/import",)


class UploadRejected(CaselinkError):
    code = "upload_rejected"
    status = 400


class TooLarge(CaselinkError):
    code = "too_large"
    status = 413


def check_name(name: str | None) -> str:
    """The extension of an acceptable upload name; reject paths, odd characters, other types."""
    if not name or "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise UploadRejected("file name must be a plain name like cases.jsonl (no folders)")
    m = _SAFE_NAME.match(name)
    if not m:
        raise UploadRejected("file must be a .jsonl or .csv file with a plain name (letters, digits, . _ -)")
    return m.group(1)


def save_upload(file: UploadFile, folder: Path, limit: int) -> Path:
    """Copy an upload into ``folder`` under a fixed name; refuse it if over ``limit`` bytes."""
    ext = check_name(file.filename)
    target = folder / f"upload.{ext}"
    copied = 0
    with open(target, "wb") as out:
        while chunk := file.file.read(1 << 20):
            copied += len(chunk)
            if copied > limit:
                raise TooLarge(f"upload larger than the limit of {limit} bytes")
            out.write(chunk)
    if copied == 0:
        raise UploadRejected("the uploaded file is empty")
    target.chmod(0o600)
    return target


class BodyLimit:
    """ASGI middleware: 413 for a body over the limit, 411 for a body of unstated length.

    The server (uvicorn/h11) delivers exactly Content-Length bytes, so checking the header bounds
    what is read; chunked bodies, whose size is unknown up front, are refused.
    """

    def __init__(self, app: ASGIApp, max_body: int, max_upload: int) -> None:
        self.app, self.max_body, self.max_upload = app, max_body, max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            limit = self.max_upload if scope["path"] in UPLOAD_PATHS else self.max_body
            headers = dict(scope.get("headers") or [])
            length = headers.get(b"content-length")
            if length is None and b"transfer-encoding" in headers:
                await _refuse(send, 411, "length_required", "send the request body with a Content-Length")
                return
            if length is not None and (not length.isdigit() or int(length) > limit):
                await _refuse(send, 413, "too_large", f"request body larger than {limit} bytes")
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    import orjson

    body = orjson.dumps({"error": code, "message": message})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
