"""Administration commands: ``backup``, ``restore`` and ``share`` (read-only links to a plan version).

``python -m analysis backup --out DIR`` · ``restore DIR`` · ``share create --version-id N
[--expires-days D]`` · ``share list`` · ``share revoke SHARE_ID``. Exit 2 with a one-line reason
when a backup folder is not empty, a backup is damaged, the database is in use, or a version or
link does not exist; nothing is changed then.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

from analysis import access, backup, share, store


def _emit(args: argparse.Namespace, obj: dict[str, Any], line: str) -> None:
    if args.json:
        from analysis.cli import emit

        emit(obj)
    else:
        sys.stdout.write(line + "\n")


def cmd_backup(args: argparse.Namespace) -> int:
    info = backup.backup(args.db, args.out)
    _emit(
        args,
        {
            "folder": str(info.folder),
            "file": str(info.db_file),
            "bytes": info.bytes,
            "sha256": info.sha256,
            "schema_versions": info.schema_versions,
            "tables": info.tables,
        },
        f"backed up {store.db_path(args.db)} to {info.db_file} ({info.bytes / 1e6:.1f} MB, "
        f"{info.tables.get('sales', 0):,} sales rows, sha256 {info.sha256[:12]}…)",
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    info = backup.restore(args.folder, args.db, wait=args.wait)
    _emit(
        args,
        {"db": str(info.db), "kept": str(info.kept) if info.kept else None, "sha256": info.sha256},
        f"restored {info.db} from {args.folder}"
        + (f"; the previous file is kept as {info.kept}" if info.kept else ""),
    )
    return 0


def _link_json(link: store.ShareLink, now: dt.datetime) -> dict[str, Any]:
    state = "active"
    if link.revoked_at is not None:
        state = "revoked"
    elif link.expires_at is not None and now >= link.expires_at:
        state = "expired"
    return {
        "share_id": link.share_id,
        "version_id": link.version_id,
        "state": state,
        "created_by": link.created_by,
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "revoked_at": link.revoked_at,
        "note": link.note,
    }


def cmd_share(args: argparse.Namespace) -> int:
    from analysis.cli import UsageError

    now = dt.datetime.now()
    if args.action == "create":
        if args.version_id is None:
            raise UsageError("share create needs --version-id (see `python -m analysis plan versions`)")
        if args.expires_days is not None and args.expires_days <= 0:
            raise UsageError("--expires-days must be positive")
        if args.expires_days is not None and args.expires_days > share.MAX_EXPIRY.days:
            raise UsageError(f"--expires-days is at most {share.MAX_EXPIRY.days}")
        expires = dt.timedelta(days=args.expires_days) if args.expires_days is not None else None
        with store.connect(args.db, actor=access.cli_actor(args.by)) as con:
            made = share.create_share(con, args.version_id, expires_in=expires, note=args.note)
        out = {**_link_json(made.link, now), "token": made.token, "path": made.path}
        _emit(
            args,
            out,
            f"share link #{made.link.share_id} for version {made.link.version_id}: {made.path}\n"
            "  (the token is shown only now; revoke with `python -m analysis share revoke "
            f"{made.link.share_id}`)",
        )
        return 0
    if args.action == "list":
        with store.connect(args.db, read_only=True) as con:
            links = [_link_json(x, now) for x in store.list_share_links(con)]
        lines = [
            f"#{x['share_id']:<4} version {x['version_id']:<4} {x['state']:<8} expires {x['expires_at'] or '-'}"
            for x in links
        ]
        _emit(args, {"links": links}, "\n".join(lines) or "no share links")
        return 0
    if args.share_id is None:
        raise UsageError("share revoke needs SHARE_ID (see `python -m analysis share list`)")
    with store.connect(args.db, actor=access.cli_actor(args.by)) as con:
        link = store.revoke_share_link(con, args.share_id)
    _emit(args, _link_json(link, now), f"revoked share link #{link.share_id}")
    return 0


def register(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    sp = add("backup", cmd_backup, "write a consistent copy of the database into a folder")
    sp.add_argument("--out", required=True, help="backup folder (created; must not already hold a backup)")
    sp = add("restore", cmd_restore, "replace the database with a backup (refused while it is in use)")
    sp.add_argument("folder", help="a folder written by `backup`")
    sp.add_argument(
        "--wait", type=float, default=backup.RESTORE_WAIT_SECONDS, help="seconds to wait for the lock"
    )
    sp = add("share", cmd_share, "read-only share links to a plan version: create, list, revoke")
    sp.add_argument("action", choices=("create", "list", "revoke"))
    sp.add_argument("share_id", type=int, nargs="?", help="the link to revoke")
    sp.add_argument("--version-id", type=int, help="plan version to share (create)")
    sp.add_argument(
        "--expires-days",
        type=float,
        help="days until the link stops working (create; default 30, at most 365)",
    )
    sp.add_argument("--by", help="who creates or revokes the link")
    sp.add_argument("--note", help="a note for the link list (create)")
