"""Sign-in and roles for one rerun: reads ``st.user`` and ``st.secrets``, decides with analysis.access.

Called by ``components.shell.page()`` on every rerun, so every page's checks see the current user.
Without ``[auth]`` in ``.streamlit/secrets.toml`` this is local single-user mode (admin). With it,
a user who has not signed in sees only a sign-in button; a malformed ``[roles]`` section stops the
page (fail closed) rather than guessing. The URL never changes the role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

from analysis.access import (
    LOCAL,
    Access,
    AccessConfigError,
    Refused,
    access_for,
    cookie_secret_problem,
    parse_roles,
)
from analysis.i18n import t
from components.safe import md


def _secrets_section(name: str) -> Mapping[str, Any] | None:
    try:
        section = st.secrets.get(name)
    except Exception:  # noqa: BLE001 - no secrets file (or an unreadable one) means no section
        return None
    return section if isinstance(section, Mapping) else None


def configured() -> bool:
    """True when ``[auth]`` exists in the secrets (sign-in with st.login is possible)."""
    return _secrets_section("auth") is not None


def _provider() -> str | None:
    """The one named provider (``[auth.google]``), else None: st.login's flat default section."""
    auth = _secrets_section("auth") or {}
    named = [k for k, v in auth.items() if isinstance(v, Mapping)]
    return named[0] if len(named) == 1 else None


def _plain(value: Any) -> Any:
    """Secrets' AttrDicts as plain dicts/lists for the pure parser."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def current(lang: str) -> Access:
    """The Access of this rerun; draws the sign-in screen and stops the script when needed."""
    if not configured():
        return LOCAL
    weak = cookie_secret_problem(_plain(_secrets_section("auth")))
    if weak is not None:  # fail closed: a guessable cookie would let anyone claim any identity
        st.error(t("access.bad_config", lang, msg=weak), icon=":material/error:")
        st.stop()
    if not st.user.is_logged_in:
        st.title(t("app.title", lang))
        st.info(t("access.sign_in_needed", lang), icon=":material/login:")
        provider = _provider()
        st.button(
            t("access.sign_in", lang),
            type="primary",
            icon=":material/login:",
            key="auth.login",
            on_click=st.login,
            args=(provider,) if provider else (),
        )
        st.stop()
    try:
        config = parse_roles(_plain(_secrets_section("roles")))
    except AccessConfigError as exc:
        st.error(t("access.bad_config", lang, msg=md(exc)), icon=":material/error:")
        st.stop()
    email = st.user.get("email")
    # Only an address the identity provider says it verified grants more than viewer; a missing
    # claim counts as unverified (analysis.access.access_for).
    return access_for(str(email) if email else None, config, email_verified=st.user.get("email_verified"))


def sidebar(access: Access, lang: str) -> None:
    """Who is signed in, with which role, and a sign-out button (nothing in local mode)."""
    if not access.signed_in:
        return
    who = access.email or t("access.no_email", lang)
    role = t(f"access.role.{access.role}", lang)
    teams = f" · {', '.join(sorted(access.teams))}" if access.teams else ""
    st.caption(t("access.signed_in_as", lang, who=md(who), role=role) + md(teams))
    st.button(t("access.sign_out", lang), key="auth.logout", icon=":material/logout:", on_click=st.logout)


def scope_note(access: Access, lang: str) -> None:
    """Say what this user may change on a page of tasks, reviews or risks (nothing for an admin)."""
    if not access.can_edit:
        st.info(t("access.view_only", lang), icon=":material/visibility:")
    elif access.role == "manager":
        st.info(
            t("access.write_scope", lang, teams=md(", ".join(sorted(access.teams)))), icon=":material/group:"
        )


def show_refusal(exc: Refused, lang: str) -> None:
    """A write the store's gate refused: why, in the user's language (nothing was written)."""
    kind, _, teams = exc.code.partition(":")
    st.error(t(f"access.write_refused.{kind}", lang, teams=md(teams)), icon=":material/block:")


def may_write(access: Access, team_ids: Iterable[object], lang: str) -> bool:
    """The server-side check before every write of tasks, review notes and risk acknowledgements.

    ``team_ids``: the team of each rep or team written for (None: company-wide). Shows why a
    refused write was refused; the rule itself is analysis.access.write_refusal."""
    refusal = access.write_refusal(team_ids)
    if refusal is None:
        return True
    kind, _, teams = refusal.partition(":")
    st.error(t(f"access.write_refused.{kind}", lang, teams=md(teams)), icon=":material/block:")
    return False
