"""Sessions of the review desk kept in the database (table web_sessions), not in the cookie.

The cookie holds only a random token: nothing in it can be read (no account number, no CSRF token) or
forged, and a session ends for good when its row is deleted — at sign-out, when the account gets a new
password or is disabled (`compliance users set-password|disable`), or when it expires. Signing in always
starts a new token, so a token known before the sign-in is worth nothing after it.

The routes see `request.session` as a plain dict like Starlette's: "uid" is the signed-in account, the rest
("csrf", "flash") is kept as JSON in the row.
"""

from __future__ import annotations

import copy
import hashlib
import re
import secrets
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storage import web_repo
from storage.db import database
from storage.models import utcnow

COOKIE = "desk_session"
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
SIGNED_IN_HOURS = 10  # a working day from the sign-in
ANONYMOUS_HOURS = 2  # the sign-in form's CSRF token and messages before anyone signs in


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256 (a copy of the database opens no session)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _token_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                continue
            if COOKIE in jar and TOKEN.fullmatch(jar[COOKIE].value):
                return jar[COOKIE].value
    return None


class ServerSessions:
    """ASGI middleware giving every request `scope["session"]`, loaded from and saved to web_sessions."""

    def __init__(self, app: ASGIApp, db_url: str | None, *, secure: bool, hours: int = SIGNED_IN_HOURS) -> None:
        self.app = app
        self.db_url = db_url
        self.secure = secure
        self.hours = hours

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            await self.app(scope, receive, send)
            return
        token = _token_of(scope)
        loaded = await to_thread.run_sync(self._load, token) if token else None
        data: dict[str, Any] = dict(loaded[1]) if loaded else {}
        if loaded and loaded[0]:
            data["uid"] = loaded[0]
        before = copy.deepcopy(data)
        scope["session"] = data

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = await to_thread.run_sync(self._save, token if loaded else None,
                                                  loaded[0] if loaded else None, before, scope["session"])
                if cookie:
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, token: str) -> tuple[int | None, dict[str, Any]] | None:
        with database(self.db_url).session() as s:
            row = web_repo.session_by_token_hash(s, token_hash(token))
            return (row.user_id, dict(row.data or {})) if row is not None else None

    def _save(self, token: str | None, uid_before: int | None, before: dict[str, Any],
              after: dict[str, Any]) -> str | None:
        """Store what the request changed; the Set-Cookie header to send, if any."""
        if after == before:
            return None
        uid = after.get("uid")
        data = {k: v for k, v in after.items() if k != "uid"}
        with database(self.db_url).session() as s:
            if token and not after:  # signed out (or nothing left to keep): the token is dead
                web_repo.delete_session(s, token_hash(token))
                s.commit()
                return self._cookie("", 0)
            if token and uid == uid_before:
                row = web_repo.session_by_token_hash(s, token_hash(token))
                if row is not None:
                    row.data = data
                    s.commit()
                    return None
            if token:  # someone signed in (or out): never carry a token across
                web_repo.delete_session(s, token_hash(token))
            web_repo.purge_expired_sessions(s)
            new = secrets.token_urlsafe(32)
            hours = self.hours if uid else ANONYMOUS_HOURS
            web_repo.add_session(s, token_hash(new), int(uid) if uid else None, data,
                                 utcnow() + timedelta(hours=hours))
            s.commit()
        return self._cookie(new, hours * 3600)

    def _cookie(self, value: str, max_age: int) -> str:
        parts = [f"{COOKIE}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)


def end_sessions(db_url: str | None, user_id: int) -> int:
    """Sign an account out of every browser; how many sessions ended."""
    with database(db_url).session() as s:
        n = web_repo.end_sessions_of(s, user_id)
        s.commit()
    return n
