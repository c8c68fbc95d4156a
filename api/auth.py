"""Bearer tokens and roles: admin, coordinator (of one region), liaison (of a set of providers
in one region — provider ids repeat across regions, so a liaison always names the region).

A token is 32 random bytes shown once; only its SHA-256 is stored (a high-entropy secret needs
no slow hash: nobody can guess it, and a stolen database yields no usable token). `current_user`
is the FastAPI dependency that turns the Authorization header into a `Principal`; the
`can_see_*` functions are the one place that decides who sees which instance or provider, and
`may_read_text` who reads a free text (a reason or note may hold health details).
Every token expires (`DEFAULT_EXPIRY` unless `--expires` says otherwise); revoking ends it early.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from api.problems import HttpError
from api.store import ROLES, InstanceRow, Store, open_store

TOKEN_PREFIX = "polku_"
DEFAULT_EXPIRY = timedelta(days=90)
MAX_EXPIRY = timedelta(days=366)
_DURATION = re.compile(r"^\s*(\d{1,4})\s*([dh])\s*$")


class TokenError(ValueError):
    """A token request that makes no sense (unknown role, coordinator without region…)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, name, role, region and providers."""

    token_id: int
    name: str
    role: str
    region: str | None
    providers: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random bearer token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def check_token_request(role: str, region: str | None, providers: Iterable[str]) -> None:
    """Raise TokenError when the role and its scope do not fit together."""
    providers = list(providers)
    if role not in ROLES:
        raise TokenError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if role == "coordinator" and not region:
        raise TokenError("a coordinator token needs --region (the region the coordinator serves)")
    if role == "liaison" and not providers:
        raise TokenError("a liaison token needs --providers (the provider ids the liaison handles)")
    if role == "liaison" and not region:
        raise TokenError(
            "a liaison token needs --region (provider ids repeat across regions; the liaison "
            "handles the providers of one region)"
        )
    if role == "admin" and (region or providers):
        raise TokenError("an admin token sees every region; give no --region or --providers")
    if any(not p.strip() for p in providers):
        raise TokenError("--providers has an empty provider id")


def parse_expiry(text: str) -> timedelta:
    """A token lifetime from `--expires`: whole days (`30d`) or hours (`12h`), at most a year."""
    match = _DURATION.match(text)
    if not match:
        raise TokenError(f"--expires must be like 30d or 12h, got {text!r}")
    number, unit = int(match.group(1)), match.group(2)
    span = timedelta(days=number) if unit == "d" else timedelta(hours=number)
    if span <= timedelta(0) or span > MAX_EXPIRY:
        raise TokenError(f"--expires must be between 1h and {MAX_EXPIRY.days}d, got {text!r}")
    return span


def create_token(
    db: Store | str | Path,
    role: str,
    region: str | None = None,
    providers: Iterable[str] | None = None,
    name: str = "",
    expires_in: timedelta = DEFAULT_EXPIRY,
) -> str:
    """Create a token in `db` (a Store, or a database path/URL) and return it: the only time it is
    ever seen in clear. It stops working after `expires_in`."""
    providers = tuple(p.strip() for p in (providers or ()))
    check_token_request(role, region, providers)
    if expires_in <= timedelta(0) or expires_in > MAX_EXPIRY:
        raise TokenError(f"a token lives between 1 s and {MAX_EXPIRY.days} days")
    expires_at = (datetime.now(UTC) + expires_in).isoformat(timespec="milliseconds")
    token = new_token()
    label = name or (
        f"{role}-{region}" if region else f"{role}-{'-'.join(providers)}" if providers else role
    )
    row = (label, role, region or None, providers, hash_token(token))
    if not isinstance(db, (str, Path)):
        db.add_token(*row, expires_at.replace("+00:00", "Z"))
        return token
    with open_store(str(db)) as store:  # opened here, so closed here
        store.migrate()
        store.add_token(*row, expires_at.replace("+00:00", "Z"))
    return token


async def get_store(request: Request) -> Store:
    """The application's store (dependency; async, as it never waits: no threadpool hop)."""
    return request.app.state.store


async def current_user(request: Request, store: Annotated[Store, Depends(get_store)]) -> Principal:
    """The caller of this request from its bearer token, looked up in the store on every
    request (so a revoked or expired token is refused at once); 401 when missing or unknown."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HttpError(401, "error.auth.missing_token", headers={"WWW-Authenticate": "Bearer"})
    token_hash = hash_token(token.strip())
    row = (
        store.token_by_hash(token_hash)
        if store.reads_on_loop
        else await run_in_threadpool(store.token_by_hash, token_hash)
    )
    if row is None:
        raise HttpError(401, "error.auth.bad_token", headers={"WWW-Authenticate": "Bearer"})
    return Principal(row.id, row.name, row.role, row.region, frozenset(row.providers))


def require_role(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: the caller, if their role is one of `roles`; 403 otherwise (decided before
    any lookup, so the answer tells nothing about which ids exist)."""

    async def dependency(user: Annotated[Principal, Depends(current_user)]) -> Principal:
        if user.role not in roles:
            raise HttpError(403, "error.auth.role", roles=" / ".join(roles), role=user.role)
        return user

    return dependency


def same_region(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.casefold() == b.casefold()


def can_see_instance(user: Principal, inst: InstanceRow) -> bool:
    """Admins see every instance, coordinators those of their region, liaisons those of their
    region holding one of their providers (a liaison token without a region, made before
    regions were required, sees nothing)."""
    if user.is_admin:
        return True
    if not same_region(user.region, inst.region):
        return False
    return user.role == "coordinator" or bool(user.providers & set(inst.providers))


def visible_providers(user: Principal, inst: InstanceRow) -> set[str]:
    """Provider ids of `inst` whose data the caller may see."""
    if user.role == "liaison":
        return set(inst.providers) & user.providers if can_see_instance(user, inst) else set()
    return set(inst.providers) if can_see_instance(user, inst) else set()


def may_read_text(user: Principal, by_token: int | None) -> bool:
    """May the caller read a free text (an end reason, an outcome note, a decision's reason)
    written by token `by_token`? Free text may hold health details, which an employer may not
    see: a liaison reads only what their own token wrote (text carried from earlier weeks has no
    token, so none of it); coordinators and admins read all."""
    return user.role != "liaison" or (by_token is not None and by_token == user.token_id)
