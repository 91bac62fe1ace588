import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import ui
from kompilot_data.records import importer, storage
from kompilot_data.records.schema import ID_COLUMN, SPECS, DataValidationError, format_problems

st.title(ui.T("data_title"))
if ui.files_mode():
    st.info(ui.T("files_mode"))
    st.stop()
current = ui.require_coordinator()
engine = ui.engine()
KIND_LABELS = {"needs": ui.T("kind_needs"), "offers": ui.T("kind_offers")}


def done(message: str) -> None:
    st.session_state["data_message"] = message
    ui.refresh_data_version()


if "data_message" in st.session_state:
    st.success(st.session_state.pop("data_message"))

demo_needs, demo_offers = storage.count(engine, "needs", demo=True), storage.count(engine, "offers", demo=True)
if demo_needs or demo_offers:
    st.warning(ui.T("demo_badge"), icon=":material/science:")

tab_import, tab_edit, tab_batches, tab_log, tab_export = st.tabs(
    [ui.T(key) for key in ("tab_import", "tab_edit", "tab_batches", "tab_audit", "tab_export")]
)

with tab_import:
    st.markdown(ui.T("import_intro"))
    st.caption(ui.T("upload_limit", limit=st.get_option("server.maxUploadSize")))
    upload = st.file_uploader(ui.T("file"), type=["csv", "xlsx"], key="data_upload")
    kind_choice = st.radio(
        ui.T("kind"),
        ["auto", "needs", "offers"],
        horizontal=True,
        key="data_kind",
        format_func=lambda k: ui.T("kind_guess") if k == "auto" else KIND_LABELS[k],
    )
    if upload is not None:
        data = upload.getvalue()
        prepared = ui.prepared_upload(data, upload.name, None if kind_choice == "auto" else kind_choice)
        if current.region:
            prepared = importer.restrict_to_region(prepared, current.region)
        label = KIND_LABELS[prepared.kind].lower()
        st.markdown(f"**{upload.name}**: " + ui.T("rows_of_kind", rows=len(prepared.frame), kind=label))
        if len(prepared.warnings):
            st.warning(ui.T("corrected") + "\n\n" + format_problems(prepared.warnings).replace("\n", "\n\n"))
        bad_rows = set(prepared.problems["rad"].dropna().astype(int))
        first = prepared.first_data_row
        preview = prepared.frame.copy()
        preview.index = range(first, first + len(preview))
        preview.index.name = "rad"

        def highlight(row):
            return ["background-color: #F8D7DA" if row.name in bad_rows else "" for _ in row]

        st.dataframe(preview.head(1000).style.apply(highlight, axis=1), width="stretch", height=320)
        if not prepared.ok:
            st.error(
                ui.T("import_rejected", problems=len(prepared.problems), rows=prepared.rejected_rows)
                + "\n\n"
                + format_problems(prepared.problems.head(200)).replace("\n", "\n\n")
            )
        elif st.button(ui.T("import_confirm", rows=len(prepared.frame)), type="primary", key="data_confirm"):
            bar = st.progress(0.0, text=ui.T("importing"))
            result = importer.import_prepared(
                engine, prepared, data, upload.name, current.user, progress=lambda share: bar.progress(share)
            )
            done(result.summary())
            st.rerun()

with tab_edit:
    kind = st.radio(ui.T("table"), ["needs", "offers"], horizontal=True, key="edit_kind", format_func=KIND_LABELS.get)
    records = storage.read_frame(engine, kind, with_meta=True)
    if current.region and kind == "needs":
        from kompilot_data.engine.indicators import region_codes

        records = records[records["kommunenummer"].isin(region_codes(current.region))]
        st.caption(ui.T("edit_region", region=current.region))
    id_column = ID_COLUMN[kind]
    shown = importer.as_import_format(records, kind).set_index(id_column)
    versions = dict(zip(records[id_column].astype(str), records["versjon"], strict=True))
    st.caption(ui.T("edit_help"))
    edited = st.data_editor(shown, num_rows="dynamic", key=f"editor_{kind}", height=420, width="stretch")
    if st.button(ui.T("save_changes"), key="edit_save", type="primary"):
        state = st.session_state[f"editor_{kind}"]
        messages, errors = [], []
        ids = list(shown.index)
        for position, changes in state.get("edited_rows", {}).items():
            record_id = ids[int(position)]
            try:
                storage.update_record(engine, kind, record_id, changes, versions[record_id], current.user)
                messages.append(record_id)
            except (storage.ConflictError, storage.RecordNotFound) as error:
                errors.append(str(error))
            except DataValidationError as error:
                errors.append(f"{record_id}: " + format_problems(error.problems).split(": ", 1)[-1])
        for added in state.get("added_rows", []):
            try:
                storage.add_record(
                    engine,
                    kind,
                    {spec.name: added.get(spec.name) for spec in SPECS[kind]}
                    | {id_column: added.get("_index") or added.get(id_column)},
                    current.user,
                )
                messages.append(str(added.get("_index") or added.get(id_column)))
            except (storage.ConflictError, DataValidationError) as error:
                errors.append(str(error))
        deleted = [ids[int(p)] for p in state.get("deleted_rows", [])]
        if deleted:
            try:
                storage.delete_records(engine, kind, {i: versions[i] for i in deleted}, current.user)
                messages += deleted
            except storage.ConflictError as error:
                errors.append(str(error))
        for error in errors:
            st.error(error)
        if messages and not errors:
            done(ui.T("saved", count=len(messages)))
            st.rerun()
        elif messages:
            ui.refresh_data_version()
            st.info(ui.T("saved_some", count=len(messages)))

with tab_batches:
    batches = storage.batches(engine)
    st.dataframe(batches, width="stretch", hide_index=True)
    open_batches = batches[batches["angret"].isna()]["id"].tolist()
    if open_batches:
        chosen = st.selectbox(
            ui.T("undo_import"),
            open_batches,
            key="undo_choice",
            format_func=lambda i: f"{i}: {batches.set_index('id').at[i, 'filnavn']}",
        )
        if st.button(ui.T("undo_selected"), key="undo_button"):
            try:
                result = storage.undo_batch(engine, int(chosen), current.user)
                done(ui.T("undone", batch=chosen, deleted=result["slettet"], restored=result["gjenopprettet"]))
                st.rerun()
            except storage.ConflictError as error:
                st.error(str(error))
    st.divider()
    st.markdown(ui.T("demo_count", needs=demo_needs, offers=demo_offers))
    if demo_needs or demo_offers:
        sure = st.checkbox(ui.T("demo_sure"), key="demo_sure")
        if st.button(ui.T("demo_remove"), disabled=not sure, key="demo_remove"):
            removed = storage.remove_demo(engine, current.user)
            done(ui.T("demo_removed", needs=removed["needs"], offers=removed["offers"]))
            st.rerun()

with tab_log:
    st.dataframe(storage.audit_log(engine, limit=1000), width="stretch", hide_index=True, height=480)

with tab_export:
    needs, offers = ui.view().needs, ui.view().offers
    left, right = st.columns(2)
    with left:
        st.markdown(ui.T("export_filtered"))
        for kind, frame in (("needs", needs), ("offers", offers)):
            st.download_button(
                f"{KIND_LABELS[kind]} ({len(frame)}) – Excel",
                lambda k=kind, f=frame: ui.excel_bytes(importer.as_import_format(f, k)),
                f"kompilot_{kind}.xlsx",
                key=f"export_{kind}",
                on_click="ignore",
            )
    with right:
        st.markdown(ui.T("export_backup"))

        def backup_bytes() -> bytes:
            with tempfile.TemporaryDirectory() as folder:
                return importer.backup(engine, Path(folder) / "kopi.xlsx").read_bytes()

        def template_bytes(kind: str) -> bytes:
            with tempfile.TemporaryDirectory() as folder:
                return importer.write_template(kind, Path(folder) / "mal.xlsx").read_bytes()

        st.download_button(
            ui.T("download_backup"),
            backup_bytes,
            f"kompilot_sikkerhetskopi_{pd.Timestamp.now():%Y-%m-%d}.xlsx",
            key="backup_download",
            on_click="ignore",
        )
        for kind in ("needs", "offers"):
            st.download_button(
                ui.T("template", kind=KIND_LABELS[kind].lower()),
                lambda k=kind: template_bytes(k),
                f"kompilot_mal_{kind}.xlsx",
                key=f"template_{kind}",
                on_click="ignore",
            )
