"""A ceiling on the size of what is posted to the review desk, enforced before anything is parsed.

Without it a stranger could post hundreds of megabytes to the sign-in page and the desk would hold them all in
memory before the CSRF check refused the form. The declared Content-Length is checked first (answered at
once, nothing read); a body sent without one, or longer than declared, is counted as it arrives and refused
the moment it passes the ceiling.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_FORM_BYTES = 1024 * 1024  # sign-in and every form but the upload
UPLOAD_OVERHEAD = 256 * 1024  # the upload form's other fields and multipart framing around the file


class BodyTooLarge(Exception):
    pass


def too_large_page(limit: int) -> bytes:
    if limit >= 1024 * 1024:
        size = f"{limit / 1024 / 1024:.0f} MB"
    else:
        size = f"{limit // 1024} KB"
    return (
        "<!doctype html><meta charset=utf-8><title>Too large</title><h1>Too large</h1>"
        f"<p>What was sent is larger than the review desk accepts here ({size}). Files up to the limit of "
        "the watch folder (COMPLIANCE_MAX_FILE_MB) can be uploaded.</p>"
    ).encode()


class BodyLimit:
    """ASGI middleware: 413 for a request body over its path's ceiling."""

    def __init__(self, app: ASGIApp, *, upload_bytes: int, upload_paths: frozenset[str] = frozenset({"/upload"}),
                 form_bytes: int = MAX_FORM_BYTES) -> None:
        self.app = app
        self.upload_bytes = upload_bytes + UPLOAD_OVERHEAD
        self.upload_paths = upload_paths
        self.form_bytes = form_bytes

    def limit_for(self, path: str) -> int:
        return self.upload_bytes if path in self.upload_paths else self.form_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    await _refuse(send, limit)
                    return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = too_large_page(limit)
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
