"""Consistent backups of the database file and safe restores.

A backup folder holds ``sales.duckdb`` and ``manifest.json`` (sha256, size, schema versions,
row count of every table). The backup takes the database's write lock, runs ``CHECKPOINT`` so
the write-ahead log is folded into the file, and copies the file while still holding the lock,
so no writer can change it half-way. The copy is opened and its row counts compared before the
folder is declared complete (files are written under a temporary name, then renamed).

A restore verifies the backup (checksum, counts), copies it beside the target under a
temporary name, then takes the target's lock (refusing when another process holds it), keeps
the old file as ``<name>.before-restore-<stamp>`` and renames the copy into place. Until that
rename the old file is untouched, so a crash at any point leaves a complete database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis import store
from analysis.access import SYSTEM

DB_FILE = "sales.duckdb"
MANIFEST = "manifest.json"
RESTORE_WAIT_SECONDS = 2.0


class BackupError(store.StoreError):
    """A backup or restore that cannot proceed; nothing was changed."""


@dataclass(frozen=True)
class BackupInfo:
    folder: Path
    db_file: Path
    bytes: int
    sha256: str
    schema_versions: list[int]
    tables: dict[str, int]
    created_at: str


@dataclass(frozen=True)
class RestoreInfo:
    db: Path
    kept: Path | None
    sha256: str
    tables: dict[str, int]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_durably(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)
    with dst.open("rb+") as f:
        os.fsync(f.fileno())


def _counts(path: Path) -> tuple[list[int], dict[str, int]]:
    with store.connect(path, read_only=True, wait=0) as con:
        return store.schema_versions(con), store.table_counts(con)


def backup(db: str | os.PathLike[str] | None, out_dir: str | os.PathLike[str]) -> BackupInfo:
    """Write a consistent copy of the database into ``out_dir`` (created if needed, must not hold a backup)."""
    src = store.db_path(db)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BackupError(f"{out} exists and is not a folder")
    if (out / DB_FILE).exists() or (out / MANIFEST).exists():
        raise BackupError(f"{out} already holds a backup; choose an empty folder")
    if not src.exists():
        raise store.StoreMissing(f"database {src} does not exist; nothing to back up")
    out.mkdir(parents=True, exist_ok=True)
    partial = out / (DB_FILE + ".partial")
    try:
        with store.connect(
            src, actor=SYSTEM
        ) as con:  # read-write: holds the lock, so no writer runs during the copy
            store.checkpoint(con)
            versions = store.schema_versions(con)
            tables = store.table_counts(con)
            _copy_durably(src, partial)
        got_versions, got_tables = _counts(partial)
        if (got_versions, got_tables) != (versions, tables):
            raise BackupError("the copy does not match the database (row counts differ); backup discarded")
        digest = file_sha256(partial)
        size = partial.stat().st_size
        os.replace(partial, out / DB_FILE)
        created = dt.datetime.now().replace(microsecond=0).isoformat()
        manifest: dict[str, Any] = {
            "file": DB_FILE,
            "source": str(src.resolve()),
            "bytes": size,
            "sha256": digest,
            "schema_versions": versions,
            "tables": tables,
            "created_at": created,
        }
        tmp = out / (MANIFEST + ".partial")
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, out / MANIFEST)
        _fsync_dir(out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(out, out / DB_FILE, size, digest, versions, tables, created)


def read_manifest(backup_dir: str | os.PathLike[str]) -> dict[str, Any]:
    folder = Path(backup_dir)
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} is not a backup folder (no {MANIFEST})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} is not readable: {exc}") from exc
    if not isinstance(data, dict) or not {"file", "sha256", "tables"} <= data.keys():
        raise BackupError(f"{path} is not a backup manifest")
    if Path(str(data["file"])).name != data["file"]:
        raise BackupError(f"{path} names a file outside its folder")
    return data


def verify(backup_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Check a backup folder: manifest present, checksum and row counts as recorded. Returns the manifest."""
    manifest = read_manifest(backup_dir)
    file = Path(backup_dir) / str(manifest["file"])
    if not file.is_file():
        raise BackupError(f"backup file {file} is missing")
    if file_sha256(file) != manifest["sha256"]:
        raise BackupError(f"backup file {file} is damaged (checksum differs from the manifest)")
    return manifest


def restore(
    backup_dir: str | os.PathLike[str],
    db: str | os.PathLike[str] | None = None,
    *,
    wait: float = RESTORE_WAIT_SECONDS,
) -> RestoreInfo:
    """Replace the database with a verified backup; refuses (changing nothing) while it is in use."""
    manifest = verify(backup_dir)
    source = Path(backup_dir) / str(manifest["file"])
    target = store.db_path(db)
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")
    staged = target.with_name(target.name + ".restoring")
    kept: Path | None = None
    try:
        _copy_durably(source, staged)
        digest = file_sha256(staged)
        if digest != manifest["sha256"]:
            raise BackupError("the staged copy differs from the backup; nothing restored")
        _, tables = _counts(staged)
        if tables != manifest["tables"]:
            raise BackupError("the backup's row counts differ from its manifest; nothing restored")
        if target.exists():
            try:
                # Holding the lock while renaming: no other process has the old file open for writing.
                with store.connect(target, wait=wait, actor=SYSTEM) as con:
                    store.checkpoint(con)
                    wal = target.with_name(target.name + ".wal")
                    if wal.exists() and wal.stat().st_size > 0:
                        raise BackupError(f"{wal} is not empty after a checkpoint; nothing restored")
                    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
                    kept = target.with_name(f"{target.name}.before-restore-{stamp}")
                    os.link(target, kept)
                    os.replace(staged, target)
            except store.StoreLocked as exc:
                raise BackupError(
                    f"database {target} is in use by another process; stop the server or job and retry"
                ) from exc
        else:
            os.replace(staged, target)
        _fsync_dir(target.parent)
    finally:
        staged.unlink(missing_ok=True)
    return RestoreInfo(target, kept, digest, tables)
