"""Share links in the app: ``/?share=TOKEN`` shows one plan version read-only, or a clear refusal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import share, store
from analysis.access import SYSTEM
from tests.app.conftest import app
from tests.unit.test_share import save_version

EDIT_ELEMENTS = (
    "button",
    "text_input",
    "number_input",
    "text_area",
    "selectbox",
    "multiselect",
    "radio",
    "checkbox",
    "toggle",
    "slider",
    "date_input",
)


def _token(db: Path, **kw: object) -> tuple[str, int]:
    with store.connect(db, actor=SYSTEM) as con:
        made = share.create_share(con, save_version(con).version_id, **kw)  # type: ignore[arg-type]
    return made.token, made.link.share_id


def _no_controls(at: AppTest) -> None:
    for kind in EDIT_ELEMENTS:
        assert len(getattr(at, kind)) == 0, f"share view shows a {kind}"
    assert not at.get("data_editor") and not at.get("page_link")


class TestValidLink:
    @pytest.mark.parametrize("script", ["dashboard.py", "pages/1_plan.py", "pages/3_data.py"])
    def test_shows_the_version_read_only_on_any_page(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch, script: str
    ) -> None:
        token, _ = _token(demo_db)
        at = app(script, demo_db, monkeypatch, share=token).run()
        assert not at.exception
        assert at.title[0].value == "共享的目标方案（只读）"
        assert "方案「基准」第 1 版 · 2027 财年" in at.subheader[0].value
        assert [m.value for m in at.metric][:2] == ["10.0万", "2"]
        team, reps = (df.value for df in at.dataframe)
        assert team["全年"].tolist() == [100000.0]
        assert reps["rep"].tolist() == sorted(reps["rep"].tolist()) or len(reps) == 2
        assert reps["全年"].sum() == 100000.0
        _no_controls(at)

    def test_english(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        token, _ = _token(demo_db, expires_in=dt.timedelta(days=3))
        at = app("dashboard.py", demo_db, monkeypatch, share=token, lang="English").run()
        assert at.title[0].value == "Shared plan (read-only)"
        assert at.metric[2].label == "Link valid until"


class TestRefusedLinks:
    def _refused(self, at: AppTest, text: str) -> None:
        assert not at.exception
        assert len(at.error) == 1 and text in at.error[0].value
        assert not at.dataframe and not at.metric and not at.subheader  # nothing of the data
        _no_controls(at)

    def test_revoked(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        token, share_id = _token(demo_db)
        at = app("dashboard.py", demo_db, monkeypatch, share=token).run()
        assert at.dataframe
        with store.connect(demo_db, actor=SYSTEM) as con:
            store.revoke_share_link(con, share_id)
        self._refused(at.run(), "已被撤销")  # checked again on the next rerun of the same session

    def test_expired(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        with store.connect(demo_db, actor=SYSTEM) as con:
            made = share.create_share(
                con,
                save_version(con).version_id,
                expires_in=dt.timedelta(hours=1),
                now=dt.datetime.now() - dt.timedelta(hours=2),
            )
        self._refused(app("dashboard.py", demo_db, monkeypatch, share=made.token).run(), "已过期")

    def test_a_link_never_opens_another_plan_under_a_reused_id(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Issue 21: version ids are max + 1; the plan a link was made for is deleted and the next
        plan saved gets its id. The link says it is gone and shows nothing of the new plan."""
        token, _ = _token(demo_db)
        with store.connect(demo_db, actor=SYSTEM) as con:
            for table in ("plan_targets", "plan_versions"):
                con.execute(f"DELETE FROM {table}")  # as a rebuild did before links were pinned
            assert save_version(con, "另一个方案").version_id == 1
        at = app("dashboard.py", demo_db, monkeypatch, share=token).run()
        self._refused(at, "已不存在")

    def test_tampered(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        token, _ = _token(demo_db)
        bad = token[:-1] + ("A" if token[-1] != "A" else "B")
        self._refused(app("dashboard.py", demo_db, monkeypatch, share=bad).run(), "无效")

    @pytest.mark.parametrize("token", ["", "nonsense", "<img src=x onerror=alert(1)>"])
    def test_unknown_or_malformed(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch, token: str) -> None:
        at = app("pages/2_progress.py", demo_db, monkeypatch, share=token, lang="English").run()
        self._refused(at, "not valid")


class TestCopyLinkAndExposure:
    def test_copy_link_carries_the_query(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app("dashboard.py", demo_db, monkeypatch, lang="English", asof="2026-11-20").run()
        links = [c.value for c in at.sidebar.code]
        assert links and "lang=English" in links[-1] and "asof=2026-11-20" in links[-1]

    def test_loopback_server_shows_no_warning(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = app("dashboard.py", demo_db, monkeypatch).run()
        assert not [w for w in at.warning if "非本机地址" in w.value]

    def test_exposed_server_warns(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import streamlit as st

        real = st.get_option  # the option cannot be set at run time; the shell reads it through get_option
        monkeypatch.setattr(st, "get_option", lambda k: "0.0.0.0" if k == "server.address" else real(k))
        at = app("dashboard.py", demo_db, monkeypatch, lang="English").run()
        assert any("non-local address (0.0.0.0)" in w.value for w in at.warning)
