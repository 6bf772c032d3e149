"""Share links: tokens valid, revoked, expired, tampered, unknown, malformed; stored hashed."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from analysis import demo, share, store
from analysis.access import SYSTEM
from analysis.cli import main

NOW = dt.datetime(2026, 11, 27, 9, 0)


def save_version(con: store.Connection, scenario: str = "基准") -> store.PlanVersion:
    targets = pd.DataFrame(
        {
            "rep_id": ["R001", "R002"],
            "team_id": ["T01", "T01"],
            "day": [dt.date(2027, 1, 4)] * 2,
            "target_cents": [50_000_00, 50_000_00],
        }
    )
    return store.save_plan_version(
        con,
        scenario=scenario,
        based_on=None,
        fiscal_year=2027,
        fy_start_month=1,
        target=Decimal("100000.00"),
        unit=Decimal("0.01"),
        params={},
        targets=targets,
    )


@pytest.fixture
def con(demo_db: Path):  # type: ignore[no-untyped-def]
    with store.connect(demo_db, actor=SYSTEM) as c:
        yield c


class TestTokens:
    def test_valid_token_opens_its_version(self, con: store.Connection) -> None:
        pv = save_version(con)
        made = share.create_share(con, pv.version_id)
        res = share.resolve(con, made.token)
        assert res.ok and res.link is not None and res.link.version_id == pv.version_id
        assert made.path == f"/?share={made.token}"

    def test_only_the_hash_is_stored(self, con: store.Connection) -> None:
        made = share.create_share(con, save_version(con).version_id)
        stored = con.execute("SELECT token_hash FROM share_links").fetchall()
        assert stored == [(share.hash_token(made.token),)]
        dump = json.dumps([list(map(str, r)) for r in con.execute("SELECT * FROM share_links").fetchall()])
        assert made.token not in dump

    def test_tokens_are_random_and_long(self, con: store.Connection) -> None:
        vid = save_version(con).version_id
        tokens = {share.create_share(con, vid).token for _ in range(20)}
        assert len(tokens) == 20 and all(len(t) == 43 for t in tokens)

    def test_revoked_token_is_refused(self, con: store.Connection) -> None:
        made = share.create_share(con, save_version(con).version_id)
        store.revoke_share_link(con, made.link.share_id)
        assert share.resolve(con, made.token).status == "revoked"

    def test_expired_token_is_refused(self, con: store.Connection) -> None:
        made = share.create_share(con, save_version(con).version_id, expires_in=dt.timedelta(days=1), now=NOW)
        assert share.resolve(con, made.token, now=NOW + dt.timedelta(hours=23)).ok
        assert share.resolve(con, made.token, now=NOW + dt.timedelta(days=1)).status == "expired"

    @pytest.mark.parametrize("position", [0, 21, 42])
    def test_tampered_token_is_unknown(self, con: store.Connection, position: int) -> None:
        made = share.create_share(con, save_version(con).version_id)
        swapped = "A" if made.token[position] != "A" else "B"
        tampered = made.token[:position] + swapped + made.token[position + 1 :]
        assert share.resolve(con, tampered).status == "unknown"

    @pytest.mark.parametrize(
        "token", [None, "", "short", "x" * 44, "' OR 1=1 --" + "a" * 32, "<img src=x>" + "a" * 32]
    )
    def test_malformed_token_is_refused_before_the_store(
        self, con: store.Connection, token: str | None
    ) -> None:
        assert share.resolve(con, token).status == "malformed"

    def test_link_to_a_missing_version_is_refused(self, con: store.Connection) -> None:
        with pytest.raises(store.StoreError, match="no plan version"):
            share.create_share(con, 999)
        assert store.list_share_links(con) == []

    def test_expiry_must_be_in_the_future(self, con: store.Connection) -> None:
        with pytest.raises(ValueError, match="future"):
            share.create_share(con, save_version(con).version_id, expires_in=dt.timedelta(0))

    def test_new_links_expire_after_30_days_and_at_most_365(self, con: store.Connection) -> None:
        vid = save_version(con).version_id
        made = share.create_share(con, vid, now=NOW)
        assert made.link.expires_at == NOW + dt.timedelta(days=30)
        assert share.create_share(con, vid, expires_in=dt.timedelta(days=365), now=NOW).link.expires_at
        with pytest.raises(ValueError, match="365"):
            share.create_share(con, vid, expires_in=dt.timedelta(days=366))

    def test_a_link_dies_with_its_version_and_never_opens_a_reused_id(self, con: store.Connection) -> None:
        """Version ids are max + 1: after every plan is deleted (the demo rebuilt with --force), the
        next plan saved gets the old id. The old link must not open it."""
        old = save_version(con, "old plan")
        made = share.create_share(con, old.version_id)
        assert share.resolve(con, made.token).ok
        store.clear_for_demo(
            con, demo.REPLACED_TABLES, force=True
        )  # deletes every plan (and revokes links: undo that here)
        con.execute("UPDATE share_links SET revoked_at = NULL")
        assert share.resolve(con, made.token).status == "gone"
        new = save_version(con, "another plan")
        assert new.version_id == old.version_id  # the id is reused ...
        assert share.resolve(con, made.token).status == "gone"  # ... and the link stays dead

    def test_rebuilding_the_demo_revokes_links(self, con: store.Connection) -> None:
        made = share.create_share(con, save_version(con).version_id)
        store.clear_for_demo(con, demo.REPLACED_TABLES, force=True)
        assert share.resolve(con, made.token).status == "revoked"

    def test_revoking_twice_keeps_the_first_time(self, con: store.Connection) -> None:
        made = share.create_share(con, save_version(con).version_id)
        first = store.revoke_share_link(con, made.link.share_id)
        assert store.revoke_share_link(con, made.link.share_id).revoked_at == first.revoked_at


class TestCli:
    def test_create_list_revoke(self, demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        with store.connect(demo_db, actor=SYSTEM) as c:
            vid = save_version(c).version_id
        db = ["--db", str(demo_db), "--json"]
        assert main(["share", "create", "--version-id", str(vid), "--expires-days", "7", *db]) == 0
        made = json.loads(capsys.readouterr().out)
        assert made["state"] == "active" and made["path"] == f"/?share={made['token']}"
        assert main(["share", "list", *db]) == 0
        listed = json.loads(capsys.readouterr().out)["links"]
        assert [x["share_id"] for x in listed] == [made["share_id"]] and "token" not in listed[0]
        assert main(["share", "revoke", str(made["share_id"]), *db]) == 0
        assert json.loads(capsys.readouterr().out)["state"] == "revoked"
        with store.connect(demo_db, read_only=True) as c:
            assert share.resolve(c, made["token"]).status == "revoked"

    def test_refusals_exit_2(self, demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["share", "create", "--version-id", "99", "--db", str(demo_db)]) == 2
        assert "no plan version #99" in capsys.readouterr().err
        assert main(["share", "create", "--db", str(demo_db)]) == 2
        assert main(["share", "revoke", "5", "--db", str(demo_db)]) == 2
        assert "no share link #5" in capsys.readouterr().err
