"""Staff accounts of the review desk: password hashing, roles, login rate limits and CSRF tokens. (Sessions
are rows of the database, web.sessions; a new password or a disabled account ends them.)

Passwords are hashed with Argon2id (argon2-cffi, its current recommended parameters). Roles grant
permissions; background-check documents (fingerprint clearances of named people) are only shown to
roles holding "background".
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from storage import web_repo
from storage.db import database
from storage.models import utcnow

ROLES = ("viewer", "reviewer", "administrator")
PERMISSIONS = {
    "viewer": frozenset({"view"}),
    "reviewer": frozenset({"view", "act", "background", "registry"}),
    "administrator": frozenset({"view", "act", "background", "registry", "audit", "admin"}),
}
RESTRICTED_DOC_TYPES = frozenset({"background_check"})  # shown only to roles with "background"

FAILED_WINDOW = timedelta(minutes=15)
MAX_FAILED_PER_USER = 5  # within FAILED_WINDOW, then the account name is locked out until the window passes
MAX_FAILED_PER_REMOTE = 20
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# A hash of a random password: a login for an unknown name costs as much as for a known one.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    @property
    def label(self) -> str:
        return self.display_name or self.username

    def may_see(self, doc_type: str | None) -> bool:
        return doc_type not in RESTRICTED_DOC_TYPES or self.can("background")


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_user(
    db_url: str | None, username: str, password: str, role: str, display_name: str = "", email: str | None = None
) -> None:
    """Add a staff account (the `compliance users add` command)."""
    username = username.strip()
    if not username or len(username) > 120 or any(c.isspace() for c in username):
        raise AccountError("the user name must be one word of at most 120 characters")
    if role not in ROLES:
        raise AccountError(f"role '{role}' is not one of {', '.join(ROLES)}")
    hashed = hash_password(password)
    with database(db_url).session() as s:
        if web_repo.user_by_name(s, username) is not None:
            raise AccountError(f"user '{username}' exists already")
        web_repo.add_user(s, username, hashed, role, display_name, email)
        s.commit()


def set_password(db_url: str | None, username: str, password: str) -> int:
    """Give an account a new password and end every session it has open; how many ended."""
    hashed = hash_password(password)
    with database(db_url).session() as s:
        row = web_repo.user_by_name(s, username)
        if row is None:
            raise AccountError(f"no user '{username}'")
        row.password_hash = hashed
        ended = web_repo.end_sessions_of(s, row.id)
        s.commit()
    return ended


def set_active(db_url: str | None, username: str, active: bool) -> int:
    """Enable or disable an account; disabling ends every session it has open (how many ended)."""
    with database(db_url).session() as s:
        row = web_repo.user_by_name(s, username)
        if row is None:
            raise AccountError(f"no user '{username}'")
        row.active = active
        ended = 0 if active else web_repo.end_sessions_of(s, row.id)
        s.commit()
    return ended


@dataclass
class LoginResult:
    user: CurrentUser | None
    error: str | None = None


def login(db_url: str | None, username: str, password: str, remote: str | None) -> LoginResult:
    """Check a login; refuse while too many recent attempts failed for the name or from the address."""
    name = (username or "").strip()
    since = utcnow() - FAILED_WINDOW
    with database(db_url).session() as s:
        if (web_repo.failed_logins_since(s, since, username=name) >= MAX_FAILED_PER_USER
                or (remote and web_repo.failed_logins_since(s, since, remote=remote) >= MAX_FAILED_PER_REMOTE)):
            web_repo.record_login_attempt(s, name, remote, False)
            s.commit()
            minutes = int(FAILED_WINDOW.total_seconds() // 60)
            return LoginResult(None, f"Too many failed sign-in attempts. Try again in {minutes} minutes, "
                                     "or ask an administrator.")
        row = web_repo.user_by_name(s, name) if name else None
        ok = verify_password(row.password_hash if row else _DUMMY_HASH, password or "")
        ok = ok and row is not None and row.active
        web_repo.record_login_attempt(s, name, remote, ok)
        if ok and row is not None and _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        s.commit()
        if not ok or row is None:
            return LoginResult(None, "The user name or password is not right.")
        return LoginResult(CurrentUser(row.id, row.username, row.display_name, row.role))


def load_user(db_url: str | None, user_id: int | None) -> CurrentUser | None:
    if not user_id:
        return None
    with database(db_url).session() as s:
        row = web_repo.user_by_id(s, int(user_id))
        if row is None or not row.active:
            return None
        return CurrentUser(row.id, row.username, row.display_name, row.role)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
