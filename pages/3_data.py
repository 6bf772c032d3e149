"""Data import: upload → options → preview → decisions → confirm (all-or-nothing), history and undo."""

from __future__ import annotations

import streamlit as st

from analysis import importer, store
from analysis.filesafety import DEFAULT_LIMITS, IngestError
from components import auth, data, import_view, links, shell
from components.safe import md

sh = shell.page("nav.data")
st.title(sh.t("data.title"))
st.caption(sh.t("data.caption"))

try:
    data.ensure_db(sh.db)
except store.StoreError as exc:
    shell.store_error(sh, exc)
    st.stop()

ss = st.session_state
done = ss.pop("import_done", None)
if done is not None:
    st.success(
        sh.t(
            "data.imported",
            id=done.import_id,
            rows=f"{done.rows:,}",
            total=import_view.money(done.total),
            first=done.first_day,
            last=done.last_day,
            new=len(done.new_reps),
        ),
        icon=":material/check_circle:",
    )
    st.page_link("dashboard.py", label=sh.t("data.to_home"), icon=":material/dashboard:")

mb = DEFAULT_LIMITS.max_bytes // (1024 * 1024)
upload = None
if sh.access.can_manage_data:  # imports and undo change every team's actuals: admins only
    upload = st.file_uploader(
        sh.t("data.upload"),
        type=["xlsx", "xlsm", "xls", "csv", "txt", "tsv"],
        key=f"upload_{ss.get('upload_round', 0)}",
        max_upload_size=mb,
        help=sh.t("data.size_cap", mb=mb, rows=f"{DEFAULT_LIMITS.max_rows:,}"),
    )
    st.caption(sh.t("data.size_cap", mb=mb, rows=f"{DEFAULT_LIMITS.max_rows:,}"))
else:
    st.info(sh.t("access.data_admin_only"), icon=":material/lock:")


def import_section() -> None:
    if upload is None:
        return
    if upload.size > DEFAULT_LIMITS.max_bytes:
        st.error(sh.t("data.too_big", size=f"{upload.size / 2**20:.1f}", mb=mb), icon=":material/block:")
        return
    raw = upload.getvalue()
    fk = import_view.file_key(raw)
    opts = import_view.read_options(fk)
    try:
        pv = import_view.load_preview(sh, raw, upload.name, opts)
    except IngestError as exc:
        import_view.refusal(sh, exc, fk, opts.sheet)
        return
    except store.StoreError as exc:
        shell.store_error(sh, exc)
        return
    wk = f"{fk}_{ss.get(f'sheet_{fk}') or ''}"
    import_view.option_widgets(sh, pv, fk)
    import_view.preview_summary(sh, pv)
    p = pv.parsed
    if pv.previous is not None:
        st.warning(
            sh.t("data.already", when=f"{pv.previous[1]:%Y-%m-%d %H:%M}", id=pv.previous[0]),
            icon=":material/content_copy:",
        )
        return
    exclude = False
    if p.errors:
        err_rows = len({e.row for e in p.errors})
        st.error(sh.t("data.errors_block", rows=f"{err_rows:,}"), icon=":material/error:")
        exclude = st.checkbox(sh.t("data.exclude", rows=f"{err_rows:,}"), key=f"exclude_{wk}")
    mode = import_view.overlap_choice(sh, pv, wk)
    renames = import_view.rep_choices(sh, pv, wk)
    unanswered = import_view.status_unanswered(wk)
    if unanswered:
        st.info(sh.t("data.status_block", n=len(unanswered)), icon=":material/help:")
    blocked = p.rows.empty or (bool(p.errors) and not exclude) or bool(unanswered)
    if st.button(
        sh.t("data.confirm"), type="primary", disabled=blocked, icon=":material/publish:", key="confirm"
    ):
        with st.status(sh.t("data.importing"), expanded=True) as status:
            bar = st.progress(0.2)
            try:
                res = importer.commit(
                    sh.db, pv, mode=mode, exclude_error_rows=exclude, rep_renames=renames, actor=sh.access
                )
            except store.Refused as exc:
                status.update(label=sh.t("data.failed"), state="error")
                auth.show_refusal(exc, sh.lang)
                return
            except (IngestError, store.StoreError) as exc:
                status.update(label=sh.t("data.failed"), state="error")
                st.code(str(exc), language=None, wrap_lines=True)
                return
            bar.progress(1.0)
            status.update(
                label=sh.t(
                    "data.imported",
                    id=res.import_id,
                    rows=f"{res.rows:,}",
                    total=import_view.money(res.total),
                    first=res.first_day,
                    last=res.last_day,
                    new=len(res.new_reps),
                ),
                state="complete",
            )
        ss["import_done"] = res
        ss["upload_round"] = ss.get("upload_round", 0) + 1  # a fresh uploader: the file is done
        ss.pop("_import_previews", None)
        st.rerun()


def history_section() -> None:
    st.subheader(sh.t("data.history"))
    try:
        df = import_view.load_imports(sh.db, store.data_version(sh.db))
    except store.StoreError as exc:
        shell.store_error(sh, exc)
        return
    if df.empty:
        st.info(sh.t("data.no_history"), icon=":material/history:")
        return
    st.dataframe(import_view.history_frame(sh, df), hide_index=True, width="stretch")
    if not sh.access.can_manage_data:
        return
    live = df[df["undone_at"].isna()]
    pending = ss.get("undo_pending")
    if pending is not None and pending in set(live["import_id"].astype(int)):
        row = live[live["import_id"] == pending].iloc[0]
        st.warning(
            sh.t("data.undo_confirm", id=pending, file=md(row["file_name"]), rows=f"{int(row['rows']):,}")
        )
        yes, no = st.columns([1, 6])
        if yes.button(sh.t("data.undo_yes"), type="primary", key="undo_yes"):
            try:
                with shell.writing(sh) as con:
                    res = store.undo_import(con, int(pending))
            except store.StoreError as exc:
                shell.store_error(sh, exc)
                return
            ss.pop("undo_pending", None)
            ss["undo_done"] = res
            st.rerun()
        if no.button(sh.t("data.cancel"), key="undo_no"):
            ss.pop("undo_pending", None)
            st.rerun()
    undone = ss.pop("undo_done", None)
    if undone:
        st.success(
            sh.t(
                "data.undone",
                id=undone["import_id"],
                deleted=f"{undone['deleted_rows']:,}",
                restored=f"{undone['restored_rows']:,}",
            ),
            icon=":material/undo:",
        )
    cols = st.columns(6)
    for i, iid in enumerate(live["import_id"].astype(int).tolist()[:12]):
        if cols[i % 6].button(sh.t("data.undo", id=iid), key=f"undo_{iid}", icon=":material/undo:"):
            ss["undo_pending"] = iid
            st.rerun()


import_section()
st.divider()
history_section()

links.copy_link(sh.lang)
