"""Backup and restore: consistent copies, verified restores, refusal while the database is in use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis import backup, store
from analysis.access import SYSTEM
from analysis.cli import main
from tests.unit.test_store import _rows, assert_summaries_match, hold_lock


def _sales_total(path: Path) -> tuple[int, str]:
    with store.connect(path, read_only=True) as con:
        n, total = con.execute("SELECT count(*), sum(amount) FROM sales WHERE removed_by IS NULL").fetchall()[
            0
        ]
    return int(n), f"{total:.2f}"


class TestBackup:
    def test_round_trip_restores_exact_content(self, demo_db: Path, tmp_path: Path) -> None:
        before = _sales_total(demo_db)
        info = backup.backup(demo_db, tmp_path / "bk")
        assert info.tables["sales"] == before[0]
        with store.connect(demo_db, actor=SYSTEM) as con:  # a later import that the restore must take away
            store.commit_import(con, _rows(50), source="t", file_name="later.csv", file_hash="h-later")
        assert _sales_total(demo_db) != before
        res = backup.restore(tmp_path / "bk", demo_db)
        assert _sales_total(demo_db) == before
        assert res.kept is not None and res.kept.exists()
        assert _sales_total(res.kept)[0] == before[0] + 50  # the old file is kept, complete
        assert_summaries_match(demo_db)

    def test_backup_includes_writes_still_in_the_wal(self, demo_db: Path, tmp_path: Path) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            store.commit_import(con, _rows(7), source="t", file_name="w.csv", file_hash="h-wal")
        info = backup.backup(demo_db, tmp_path / "bk")
        assert not (tmp_path / "bk" / "sales.duckdb.wal").exists()
        assert _sales_total(info.db_file) == _sales_total(demo_db)

    def test_manifest_records_checksum_and_counts(self, demo_db: Path, tmp_path: Path) -> None:
        info = backup.backup(demo_db, tmp_path / "bk")
        manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
        assert manifest["sha256"] == backup.file_sha256(info.db_file) == info.sha256
        assert manifest["tables"]["reps"] == 24
        assert manifest["schema_versions"] == info.schema_versions

    def test_folder_with_a_backup_is_refused(self, demo_db: Path, tmp_path: Path) -> None:
        backup.backup(demo_db, tmp_path / "bk")
        with pytest.raises(backup.BackupError, match="already holds a backup"):
            backup.backup(demo_db, tmp_path / "bk")

    def test_missing_database_is_not_created(self, tmp_path: Path) -> None:
        with pytest.raises(store.StoreMissing):
            backup.backup(tmp_path / "absent.duckdb", tmp_path / "bk")
        assert not (tmp_path / "absent.duckdb").exists()


class TestRestoreRefusals:
    def test_in_use_database_is_left_alone(self, demo_db: Path, tmp_path: Path) -> None:
        backup.backup(demo_db, tmp_path / "bk")
        with store.connect(demo_db, actor=SYSTEM) as con:
            store.commit_import(con, _rows(5), source="t", file_name="x.csv", file_hash="h-x")
        digest = backup.file_sha256(demo_db)
        proc = hold_lock(demo_db, 30)
        try:
            with pytest.raises(backup.BackupError, match="in use"):
                backup.restore(tmp_path / "bk", demo_db, wait=0.3)
        finally:
            proc.kill()
            proc.wait()
        assert backup.file_sha256(demo_db) == digest
        assert not list(tmp_path.glob("*.restoring")) and not list(tmp_path.glob("*.before-restore-*"))

    def test_damaged_backup_is_refused(self, demo_db: Path, tmp_path: Path) -> None:
        info = backup.backup(demo_db, tmp_path / "bk")
        with info.db_file.open("r+b") as f:
            f.seek(info.bytes // 2)
            f.write(b"\x00garbage\x00")
        digest = backup.file_sha256(demo_db)
        with pytest.raises(backup.BackupError, match="damaged"):
            backup.restore(tmp_path / "bk", demo_db)
        assert backup.file_sha256(demo_db) == digest

    @pytest.mark.parametrize(
        "manifest", ["not json", '{"x": 1}', '{"file": "../other.duckdb", "sha256": "", "tables": {}}']
    )
    def test_bad_manifest_is_refused(self, tmp_path: Path, manifest: str) -> None:
        (tmp_path / "bk").mkdir()
        (tmp_path / "bk" / "manifest.json").write_text(manifest)
        with pytest.raises(backup.BackupError):
            backup.restore(tmp_path / "bk", tmp_path / "db.duckdb")
        assert not (tmp_path / "db.duckdb").exists()

    def test_restore_into_a_new_path(self, demo_db: Path, tmp_path: Path) -> None:
        backup.backup(demo_db, tmp_path / "bk")
        res = backup.restore(tmp_path / "bk", tmp_path / "fresh.duckdb")
        assert res.kept is None
        assert _sales_total(tmp_path / "fresh.duckdb") == _sales_total(demo_db)


class TestCli:
    def test_backup_and_restore_commands(
        self, demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["backup", "--db", str(demo_db), "--out", str(tmp_path / "bk"), "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["tables"]["reps"] == 24 and len(out["sha256"]) == 64
        assert main(["restore", str(tmp_path / "bk"), "--db", str(demo_db), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["sha256"] == out["sha256"]

    def test_refusals_exit_2_with_one_line(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["restore", str(tmp_path), "--db", str(tmp_path / "x.duckdb")]) == 2
        err = capsys.readouterr().err
        assert "not a backup folder" in err and err.count("\n") == 1
