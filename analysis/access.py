"""Who may change what: roles from a mapping of e-mails, and the checks the pages ask before writing.

Roles: ``admin`` (everything), ``manager`` (the targets of their own teams), ``viewer`` (read only).
The mapping is the ``[roles]`` section of ``.streamlit/secrets.toml``::

    [roles]
    admins = ["boss@example.com"]
    managers = { "east@example.com" = ["T01"], "south@example.com" = ["T02", "T03"] }

Anyone else who signed in is a viewer. Without ``[auth]`` the app runs in local single-user mode
and the one local user is an admin (:data:`LOCAL`). E-mails compare case-insensitively. Nothing
here reads the URL: query parameters choose what to show, never what a user may do.

**The one gate for writes.** Every write to the store names what it writes (:data:`Write`) and
the store asks :func:`require` with the acting :class:`Access` before it begins the transaction
(``store.connect(..., actor=...)`` binds the actor to the connection; a read-write connection
cannot be opened without one). A refusal raises :class:`Refused` and nothing is written. The audit
columns (``created_by``, ``author``, ``set_by`` ...) hold :attr:`Access.who`: the signed-in
e-mail, ``local`` (single-user mode), ``cli:<os user>`` (the command line) or ``system``
(the demo builder, benchmarks). The command line acts as a local admin: whoever can run it can
already read and replace the database file.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

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
    """The acting identity of one rerun or command: role, e-mail, teams (the actor of every write)."""

    role: Role = "admin"
    email: str | None = None
    teams: frozenset[str] = frozenset()
    signed_in: bool = False  # True only when [auth] is configured and the user signed in
    label: str = "local"  # who writes when there is no e-mail: local, system, cli:<user>

    @property
    def who(self) -> str:
        """The name the audit trail records for this actor's writes (never empty)."""
        return self.email or (self.label if not self.signed_in else "unverified")

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
SYSTEM = Access(label="system")  # the program itself: demo builder, benchmarks, test set-up
VIEWER = Access(role="viewer", label="viewer")  # reads only (e.g. a share link's reader)


def cli_actor(name: str | None = None) -> Access:
    """The command line's identity: a local admin, recorded as ``cli:<name>`` (``--by``/``--author``)
    or ``cli:<os user>``. Whoever runs the command line can read and replace the file anyway."""
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (some containers)
            name = "unknown"
    return Access(label=f"cli:{name.strip()}")


# ---------------------------------------------------------------------------------------------
# The gate: what every write needs

Write = Literal[
    # company-wide: admins only
    "import",  # actuals import, undo, remembered column mappings
    "reference",  # teams, reps, customers, products
    "demo",  # the demo builder (replaces everything)
    "calendar",  # holiday / make-up workday entries
    "active_plan",
    "settings",  # scorecard weights, task deadline rules, other company settings
    "risk_rules",  # risk thresholds and playbook
    "incentive_plan",
    "csat",  # customer-satisfaction imports
    "share",  # share links: create and revoke
    # per team: admins all, managers their teams' reps
    "tasks",
    "review",  # weekly review notes
    "risk_register",  # acknowledgements and register edits
    # plan versions: admins all, managers a saved version changed only in their teams
    "plan",
]
WRITES: tuple[Write, ...] = get_args(Write)
TEAM_WRITES: frozenset[Write] = frozenset({"tasks", "review", "risk_register"})
COMPANY_WRITES: frozenset[Write] = frozenset(w for w in WRITES if w not in TEAM_WRITES and w != "plan")


class Refused(PermissionError):
    """The actor may not make this write; nothing was written.

    ``code``: ``viewer`` (read-only user), ``admin`` (company-wide: admins only), ``draft`` (a
    manager saving a new or imported plan), ``teams:T03,company`` (not their teams) or
    ``no_actor`` (a connection opened without an identity)."""

    def __init__(self, code: str, what: str) -> None:
        self.code = code
        self.what = what
        kind, _, teams = code.partition(":")
        reason = {
            "viewer": "read-only users cannot change anything",
            "admin": "only an admin can change this",
            "draft": "a new or imported plan sets every team's targets; only an admin can save it",
            "teams": f"it concerns teams that are not yours ({teams})",
            "no_actor": "no acting identity (open the store with actor=...)",
        }.get(kind, code)
        super().__init__(f"not saved ({what}): {reason}")


def refusal(
    actor: Access | None,
    what: Write,
    team_ids: Iterable[object] = (),
    *,
    from_saved_version: bool = True,
) -> str | None:
    """Why ``actor`` may not make the write ``what``, or None when it may.

    ``team_ids``: the team of every rep or team the write touches (None: company-wide); for
    ``plan``, the teams whose targets differ from the version it starts from."""
    if what not in WRITES:
        raise ValueError(f"unknown write {what!r}")
    if not isinstance(actor, Access):
        return "no_actor"
    if actor.role == "admin":
        return None
    if actor.role != "manager":
        return "viewer"
    if what in TEAM_WRITES:
        return actor.write_refusal(team_ids)
    if what == "plan":
        return actor.plan_save_refusal(team_ids, from_saved_version=from_saved_version)
    return "admin"


def require(
    actor: Access | None,
    what: Write,
    team_ids: Iterable[object] = (),
    *,
    from_saved_version: bool = True,
) -> None:
    """Raise :class:`Refused` unless ``actor`` may make the write ``what`` (see :func:`refusal`)."""
    code = refusal(actor, what, team_ids, from_saved_version=from_saved_version)
    if code is not None:
        raise Refused(code, what)


def access_for(email: str | None, config: RoleConfig, *, email_verified: object = True) -> Access:
    """The Access of a signed-in user.

    ``email_verified`` is the identity provider's claim: anything but ``True`` (False, or the
    claim missing: None) means the address may be self-asserted, so it grants nothing a viewer
    cannot do (a provider that omits the claim must not turn a typed-in admin address into an
    admin). The e-mail is kept for display."""
    role = role_for(email, config)
    if email_verified is not True:
        return Access(role="viewer", email=email, signed_in=True)
    return Access(role=role, email=email, teams=teams_for(email, config), signed_in=True)


MIN_COOKIE_SECRET = 32  # characters: st.login signs the session cookie with it


def cookie_secret_problem(auth: Mapping[str, object] | None) -> str | None:
    """Why the ``[auth]`` section's ``cookie_secret`` is not acceptable, or None.

    A short or missing secret makes the signed identity cookie guessable: refused (at least
    :data:`MIN_COOKIE_SECRET` characters, e.g. ``python -c "import secrets; print(secrets.token_urlsafe(48))"``)."""
    if auth is None:
        return None
    secret = auth.get("cookie_secret")
    if not isinstance(secret, str) or not secret.strip():
        return "[auth] cookie_secret is missing"
    if len(secret.strip()) < MIN_COOKIE_SECRET:
        return f"[auth] cookie_secret is {len(secret.strip())} characters; use at least {MIN_COOKIE_SECRET}"
    return None
