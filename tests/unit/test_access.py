"""analysis/access.py: roles from the [roles] mapping, who may edit which team, plan-save refusals."""

from __future__ import annotations

import pytest

from analysis.access import (
    LOCAL,
    Access,
    AccessConfigError,
    RoleConfig,
    access_for,
    can_edit_any,
    can_edit_team,
    can_manage_data,
    cookie_secret_problem,
    parse_roles,
    plan_save_refusal,
    role_for,
    teams_for,
    write_refusal,
)

SECTION = {
    "admins": ["Boss@Example.com"],
    "managers": {"east@example.com": ["T01", "T02"], "boss@example.com": ["T03"]},
}
CONFIG = parse_roles(SECTION)


class TestParse:
    def test_emails_are_lower_cased_and_teams_kept(self) -> None:
        assert CONFIG.admins == frozenset({"boss@example.com"})
        assert CONFIG.managers["east@example.com"] == frozenset({"T01", "T02"})

    @pytest.mark.parametrize("section", [None, {}])
    def test_missing_section_means_no_roles(self, section: dict[str, object] | None) -> None:
        assert parse_roles(section) == RoleConfig()

    @pytest.mark.parametrize(
        "section,match",
        [
            ({"admin": ["a@x.com"]}, "unknown keys"),
            ({"admins": "a@x.com"}, "list of e-mail"),
            ({"admins": ["not-an-email"]}, "not an e-mail"),
            ({"managers": ["a@x.com"]}, "must be a table"),
            ({"managers": {"a@x.com": "T01"}}, "list of team ids"),
            ({"managers": {"nobody": ["T01"]}}, "not an e-mail"),
        ],
    )
    def test_malformed_sections_are_refused(self, section: dict[str, object], match: str) -> None:
        with pytest.raises(AccessConfigError, match=match):
            parse_roles(section)


class TestRoles:
    @pytest.mark.parametrize(
        "email,role,teams",
        [
            ("boss@example.com", "admin", {"T03"}),  # admin wins over the manager entry
            ("BOSS@example.com ", "admin", {"T03"}),
            ("east@example.com", "manager", {"T01", "T02"}),
            ("East@Example.com", "manager", {"T01", "T02"}),
            ("someone@example.com", "viewer", set()),
            ("", "viewer", set()),
            (None, "viewer", set()),
        ],
    )
    def test_role_and_teams(self, email: str | None, role: str, teams: set[str]) -> None:
        assert role_for(email, CONFIG) == role
        assert teams_for(email, CONFIG) == teams

    def test_no_mapping_makes_every_signed_in_user_a_viewer(self) -> None:
        assert role_for("boss@example.com", RoleConfig()) == "viewer"

    def test_local_mode_is_admin(self) -> None:
        assert LOCAL.role == "admin" and not LOCAL.signed_in
        assert LOCAL.can_edit and LOCAL.can_manage_data and LOCAL.can_edit_team("T99")

    def test_access_for_a_signed_in_manager(self) -> None:
        a = access_for("east@example.com", CONFIG)
        assert a == Access("manager", "east@example.com", frozenset({"T01", "T02"}), signed_in=True)


class TestPermissions:
    @pytest.mark.parametrize(
        "role,teams,team_id,allowed",
        [
            ("admin", set(), "T04", True),
            ("manager", {"T01", "T02"}, "T01", True),
            ("manager", {"T01", "T02"}, "T03", False),
            ("manager", set(), "T01", False),
            ("viewer", {"T01"}, "T01", False),  # teams never lift a viewer
        ],
    )
    def test_can_edit_team(self, role: str, teams: set[str], team_id: str, allowed: bool) -> None:
        assert can_edit_team(role, teams, team_id) is allowed  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "role,edit,data", [("admin", True, True), ("manager", True, False), ("viewer", False, False)]
    )
    def test_edit_controls_and_company_wide_writes(self, role: str, edit: bool, data: bool) -> None:
        assert can_edit_any(role) is edit  # type: ignore[arg-type]
        assert can_manage_data(role) is data  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "role,changed,from_version,refusal",
        [
            ("admin", {"T03", "T04"}, False, None),
            ("admin", set(), True, None),
            ("manager", {"T01"}, True, None),
            ("manager", {"T01", "T02"}, True, None),
            ("manager", set(), True, None),  # an unchanged copy of a saved version
            ("manager", {"T01", "T04", "T03"}, True, "teams:T03,T04"),
            ("manager", {"T01"}, False, "draft"),  # a fresh or imported draft sets every team
            ("viewer", set(), True, "viewer"),
            ("viewer", {"T01"}, False, "viewer"),
        ],
    )
    def test_plan_save_refusal(
        self, role: str, changed: set[str], from_version: bool, refusal: str | None
    ) -> None:
        teams = {"T01", "T02"}
        got = plan_save_refusal(role, teams, changed, from_saved_version=from_version)  # type: ignore[arg-type]
        assert got == refusal
        a = Access(role, "x@example.com", frozenset(teams), signed_in=True)  # type: ignore[arg-type]
        assert a.plan_save_refusal(changed, from_saved_version=from_version) == refusal

    @pytest.mark.parametrize(
        "role,touched,refusal",
        [
            ("admin", ["T03", None], None),
            ("manager", ["T01", "T02", "T01"], None),
            ("manager", [], None),
            ("manager", ["T01", "T03"], "teams:T03"),
            ("manager", [None, "T04"], "teams:T04,company"),  # company-wide is not a manager's
            ("viewer", [], "viewer"),
            ("viewer", ["T01"], "viewer"),
        ],
    )
    def test_write_refusal(self, role: str, touched: list[str | None], refusal: str | None) -> None:
        """Tasks, review notes and risk acknowledgements: one rule for every such write."""
        teams = {"T01", "T02"}
        assert write_refusal(role, teams, touched) == refusal  # type: ignore[arg-type]
        a = Access(role, "x@example.com", frozenset(teams), signed_in=True)  # type: ignore[arg-type]
        assert a.write_refusal(touched) == refusal


class TestIdentityClaims:
    """Issue 21: only a verified e-mail grants a role that writes; a weak cookie secret is refused."""

    @pytest.mark.parametrize("claim", [True, False, None, "true", 1])
    def test_only_true_verifies(self, claim: object) -> None:
        a = access_for("Boss@Example.com", CONFIG, email_verified=claim)
        assert a.role == ("admin" if claim is True else "viewer")
        assert a.email == "Boss@Example.com" and a.signed_in

    @pytest.mark.parametrize(
        "auth,problem",
        [
            (None, None),
            ({"cookie_secret": "x" * 32}, None),
            ({"cookie_secret": "x" * 31}, "31 characters"),
            ({"cookie_secret": "   "}, "missing"),
            ({}, "missing"),
            ({"cookie_secret": 12345}, "missing"),
        ],
    )
    def test_cookie_secret(self, auth: dict[str, object] | None, problem: str | None) -> None:
        got = cookie_secret_problem(auth)
        assert (got is None) if problem is None else (got is not None and problem in got)
