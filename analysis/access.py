"""Who may change what: roles from a mapping of e-mails, and the checks the pages ask before writing.

Roles: ``admin`` (everything), ``manager`` (the targets of their own teams), ``viewer`` (read only).
The mapping is the ``[roles]`` section of ``.streamlit/secrets.toml``::

    [roles]
    admins = ["boss@example.com"]
    managers = { "east@example.com" = ["T01"], "south@example.com" = ["T02", "T03"] }

Anyone else who signed in is a viewer. Without ``[auth]`` the app runs in local single-user mode
and the one local user is an admin (:data:`LOCAL`). E-mails compare case-insensitively. Nothing
here reads the URL: query parameters choose what to show, never what a user may do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["admin", "manager", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "manager", "viewer")


class AccessConfigError(ValueError):
    """The ``[roles]`` section is malformed (a clear message for the operator, not the user)."""


@dataclass(frozen=True)
class RoleConfig:
    """Admins' e-mails and each manager's team ids, e-mails lower-cased."""

    admins: frozenset[str] = frozenset()
    managers: Mapping[str, frozenset[str]] = field(default_factory=dict)


def _email(value: object) -> str:
    if not isinstance(value, str) or "@" not in value:
        raise AccessConfigError(f"[roles]: {value!r} is not an e-mail address")
    return value.strip().lower()


def parse_roles(section: Mapping[str, object] | None) -> RoleConfig:
    """Read ``[roles]`` (``admins`` list, ``managers`` table of e-mail → team ids); None → no roles.

    Raises AccessConfigError for a wrong shape, so a typo cannot silently demote or promote anyone.
    """
    if not section:
        return RoleConfig()
    unknown = set(section) - {"admins", "managers"}
    if unknown:
        raise AccessConfigError(f"[roles]: unknown keys {sorted(unknown)} (expected admins, managers)")
    admins_raw = section.get("admins", [])
    if isinstance(admins_raw, str) or not isinstance(admins_raw, Iterable):
        raise AccessConfigError("[roles] admins must be a list of e-mail addresses")
    managers_raw = section.get("managers", {})
    if not isinstance(managers_raw, Mapping):
        raise AccessConfigError('[roles] managers must be a table: "e-mail" = ["team id", ...]')
    managers: dict[str, frozenset[str]] = {}
    for email, teams in managers_raw.items():
        if isinstance(teams, str) or not isinstance(teams, Iterable):
            raise AccessConfigError(f"[roles] managers: teams of {email!r} must be a list of team ids")
        managers[_email(email)] = frozenset(str(t).strip() for t in teams)
    return RoleConfig(admins=frozenset(_email(a) for a in admins_raw), managers=managers)


def role_for(email: str | None, config: RoleConfig) -> Role:
    """The role of a signed-in e-mail: admin wins over manager; unknown or missing → viewer."""
    key = (email or "").strip().lower()
    if key and key in config.admins:
        return "admin"
    if key and key in config.managers:
        return "manager"
    return "viewer"


def teams_for(email: str | None, config: RoleConfig) -> frozenset[str]:
    """The team ids a manager looks after (empty for anyone who is not a manager)."""
    return config.managers.get((email or "").strip().lower(), frozenset())


def can_edit_team(role: Role, teams: Iterable[str], team_id: object) -> bool:
    """Admins edit every team; managers only the teams listed for them; viewers none."""
    if role == "admin":
        return True
    return role == "manager" and str(team_id) in {str(t) for t in teams}


def can_edit_any(role: Role) -> bool:
    """Whether the plan page shows edit controls at all."""
    return role in ("admin", "manager")


def can_manage_data(role: Role) -> bool:
    """Company-wide writes (actuals import and undo, the calendar, the active plan): admins only."""
    return role == "admin"


def plan_save_refusal(
    role: Role, teams: Iterable[str], changed_team_ids: Iterable[object], *, from_saved_version: bool
) -> str | None:
    """Why a plan save is refused, or None when it is allowed.

    A manager may save only a plan that starts from a saved version and differs from it in their
    own teams' targets; a fresh or imported draft sets every team's targets, so it needs an admin.
    Returns a reason code: ``"viewer"``, ``"draft"`` or ``"teams:T03,T04"`` (the foreign teams).
    """
    if role == "admin":
        return None
    if role != "manager":
        return "viewer"
    if not from_saved_version:
        return "draft"
    foreign = sorted({str(t) for t in changed_team_ids if not can_edit_team(role, teams, t)})
    return f"teams:{','.join(foreign)}" if foreign else None


def write_refusal(role: Role, teams: Iterable[str], team_ids: Iterable[object]) -> str | None:
    """Why a write concerning reps or teams (tasks, review notes, risk acknowledgements) is refused.

    ``team_ids``: the team of every rep or team the write touches; None stands for something
    company-wide. Admins write everything; managers only for their own teams (nothing
    company-wide); viewers nothing. Returns None when allowed, else ``"viewer"`` or
    ``"teams:T03,company"`` (what is not theirs).
    """
    if role == "admin":
        return None
    if role != "manager":
        return "viewer"
    foreign = sorted(
        {
            "company" if t is None else str(t)
            for t in team_ids
            if t is None or not can_edit_team(role, teams, t)
        }
    )
    return f"teams:{','.join(foreign)}" if foreign else None


@dataclass(frozen=True)
class Access:
    """The current user's identity and role for one rerun."""

    role: Role = "admin"
    email: str | None = None
    teams: frozenset[str] = frozenset()
    signed_in: bool = False  # True only when [auth] is configured and the user signed in

    def can_edit_team(self, team_id: object) -> bool:
        return can_edit_team(self.role, self.teams, team_id)

    @property
    def can_edit(self) -> bool:
        return can_edit_any(self.role)

    @property
    def can_manage_data(self) -> bool:
        return can_manage_data(self.role)

    def write_refusal(self, team_ids: Iterable[object]) -> str | None:
        return write_refusal(self.role, self.teams, team_ids)

    def plan_save_refusal(
        self, changed_team_ids: Iterable[object], *, from_saved_version: bool
    ) -> str | None:
        return plan_save_refusal(
            self.role, self.teams, changed_team_ids, from_saved_version=from_saved_version
        )


LOCAL = Access()  # local single-user mode (no [auth]): the one user is the admin


def access_for(email: str | None, config: RoleConfig) -> Access:
    """The Access of a signed-in user."""
    return Access(role=role_for(email, config), email=email, teams=teams_for(email, config), signed_in=True)
