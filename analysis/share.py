"""Read-only share links for one plan version.

A link carries a random token (``secrets.token_urlsafe``, 256 bits); the store keeps only its
sha256, so a copy of the database does not reveal working links. A link may expire and may be
revoked. Resolving a token says exactly why it does not work (malformed, unknown, revoked,
expired) so the viewer can show a clear message and nothing of the data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from analysis import store

TOKEN_BYTES = 32
# token_urlsafe(32) gives 43 characters of the URL-safe base64 alphabet; anything else is refused
# before it reaches the store.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")

Status = Literal["ok", "malformed", "unknown", "revoked", "expired", "gone"]

# New links expire: after DEFAULT_EXPIRY unless asked otherwise, never later than MAX_EXPIRY.
DEFAULT_EXPIRY = dt.timedelta(days=30)
MAX_EXPIRY = dt.timedelta(days=365)


@dataclass(frozen=True)
class NewShare:
    token: str
    link: store.ShareLink

    @property
    def path(self) -> str:
        """The app-relative URL that opens the link: ``/?share=TOKEN``."""
        return f"/?share={self.token}"


@dataclass(frozen=True)
class Resolved:
    status: Status
    link: store.ShareLink | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def hash_token(token: str) -> str:
    """sha256 hex digest of the token's UTF-8 bytes (what the store keeps)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_share(
    con: store.Connection,
    version_id: int,
    *,
    expires_in: dt.timedelta | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> NewShare:
    """Make a share link for a plan version; the returned token is shown once and never stored.

    The link expires after ``expires_in`` (default :data:`DEFAULT_EXPIRY`, 30 days; at most
    :data:`MAX_EXPIRY`, 365 days) and works only while its version is the one it was made for."""
    expires_in = DEFAULT_EXPIRY if expires_in is None else expires_in
    if expires_in <= dt.timedelta(0):
        raise ValueError("a share link must expire in the future")
    if expires_in > MAX_EXPIRY:
        raise ValueError(f"a share link expires after at most {MAX_EXPIRY.days} days")
    moment = now or dt.datetime.now()
    expires_at = (moment + expires_in).replace(microsecond=0)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = store.add_share_link(
        con,
        token_hash=hash_token(token),
        version_id=version_id,
        expires_at=expires_at,
        note=note,
    )
    return NewShare(token, link)


def resolve(con: store.Connection, token: str | None, *, now: dt.datetime | None = None) -> Resolved:
    """What a presented token opens: ``ok`` with its link, or why not.

    A malformed token is refused without a database read; a tampered token hashes to nothing
    stored and is ``unknown``. Revocation wins over expiry when both apply. A link whose version
    was deleted, or whose version id now belongs to another plan, is ``gone``.
    """
    if not token or not _TOKEN_RE.fullmatch(token):
        return Resolved("malformed")
    link = store.find_share_link(con, hash_token(token))
    if link is None:
        return Resolved("unknown")
    if link.revoked_at is not None:
        return Resolved("revoked", link)
    if link.expires_at is not None and (now or dt.datetime.now()) >= link.expires_at:
        return Resolved("expired", link)
    pin = store.version_pin(con, link.version_id)
    if pin is None or (link.pin is not None and pin != link.pin):
        return Resolved("gone", link)
    return Resolved("ok", link)
