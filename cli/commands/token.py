"""`polku token create|list|revoke`: API tokens (stored hashed; a new one is printed once).

polku token create --role admin|coordinator|liaison [--region R] [--providers a,b]
                   [--name NAME] [--expires 90d] [--db PATH]

A coordinator and a liaison need --region (a liaison also --providers: ids of that region);
every token expires, after 90 days unless --expires says otherwise (e.g. 30d, 12h; at most 366d).
"""

from __future__ import annotations

import argparse
import os
import sys

from api.settings import DEFAULT_DB
from api.store import ROLES, Store


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="create a token and print it (once)")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument(
        "--region", default=None, help="the region of a coordinator or liaison (required for both)"
    )
    create.add_argument(
        "--providers",
        default="",
        help="a liaison's provider ids, comma-separated (required for one)",
    )
    create.add_argument("--name", default="", help="who holds it (shown in decision history)")
    create.add_argument(
        "--expires", default="90d", help="lifetime: days (30d) or hours (12h); default 90d"
    )
    listing = sub.add_parser("list", help="list tokens (never the secrets)")
    revoke = sub.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("id", type=int)
    for p in (create, listing, revoke):
        p.add_argument(
            "--db",
            default=None,
            help=f"SQLite file or postgresql://… URL (default $POLKU_DB or {DEFAULT_DB})",
        )


def run(args: argparse.Namespace) -> int:
    from api.auth import TokenError, create_token, parse_expiry
    from api.store import open_store

    db = args.db or os.environ.get("POLKU_DB") or DEFAULT_DB
    if args.action == "create":
        providers = [p.strip() for p in args.providers.split(",") if p.strip()]
        try:
            token = create_token(
                db,
                args.role,
                region=args.region,
                providers=providers,
                name=args.name,
                expires_in=parse_expiry(args.expires),
            )
        except TokenError as exc:
            print(f"polku token: {exc}", file=sys.stderr)
            return 2
        print(token)
        return 0
    with open_store(db) as store:
        return _list_or_revoke(store, args)


def _list_or_revoke(store: Store, args: argparse.Namespace) -> int:
    """`polku token list` / `revoke` on an open store."""
    store.migrate()
    if args.action == "list":
        for t in store.list_tokens():
            scope = "/".join(s for s in (t.region, ",".join(t.providers)) if s) or "-"
            state = f"revoked {t.revoked_at}" if t.revoked_at else "active"
            expires = f"expires {t.expires_at}" if t.expires_at else "no expiry"
            print(f"{t.id}\t{t.role}\t{scope}\t{t.name}\t{t.created_at}\t{state}\t{expires}")
        return 0
    if not store.revoke_token(args.id):
        print(f"polku token: no active token with id {args.id}", file=sys.stderr)
        return 1
    print(f"revoked token {args.id}")
    return 0
