import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import ui
from kompilot_data import importer, storage
from kompilot_data.schema import ID_COLUMN, SPECS, DataValidationError, format_problems

st.title(ui.T("data_title"))
if ui.files_mode():
    st.info("Appen leser filer (KOMPILOT_NEEDS_FILE/KOMPILOT_OFFERS_FILE); databasen er ikke i bruk.")
    st.stop()
current = ui.require_coordinator()
engine = ui.engine()
nb = ui.language() == "nb"
KIND_LABELS = {"needs": "Behov", "offers": "Tilbud"} if nb else {"needs": "Needs", "offers": "Offers"}


def done(message: str) -> None:
    st.session_state["data_message"] = message
    ui.refresh_data_version()


if "data_message" in st.session_state:
    st.success(st.session_state.pop("data_message"))

demo_needs, demo_offers = storage.count(engine, "needs", demo=True), storage.count(engine, "offers", demo=True)
if demo_needs or demo_offers:
    st.warning(ui.T("demo_badge"), icon=":material/science:")

tab_import, tab_edit, tab_batches, tab_log, tab_export = st.tabs(
    ["Importer", "Rediger", "Importer (logg og angre)", "Endringslogg", "Eksport og maler"]
    if nb
    else ["Import", "Edit", "Imports (log and undo)", "Audit log", "Export and templates"]
)

with tab_import:
    st.markdown(
        "Last opp en CSV- eller Excel-fil med behov eller tilbud. Filen sjekkes først; ingenting lagres før du "
        "bekrefter, og da lagres **alle rader eller ingen**."
        if nb
        else "Upload a CSV or Excel file of needs or offers. It is checked first; nothing is stored until you confirm, "
        "and then **all rows or none** are stored."
    )
    limit = st.get_option("server.maxUploadSize")
    st.caption(
        f"CSV eller Excel (.xlsx), høyst {limit} MB per fil. Større filer: del dem opp, eller bruk "
        "`python -m kompilot_data import FIL`."
        if nb
        else f"CSV or Excel (.xlsx), at most {limit} MB per file. Larger files: split them, or use "
        "`python -m kompilot_data import FILE`."
    )
    upload = st.file_uploader("Fil" if nb else "File", type=["csv", "xlsx"], key="data_upload")
    kind_choice = st.radio(
        "Type",
        ["auto", "needs", "offers"],
        horizontal=True,
        key="data_kind",
        format_func=lambda k: (
            ("Gjett fra kolonnene" if nb else "Guess from columns") if k == "auto" else KIND_LABELS[k]
        ),
    )
    if upload is not None:
        data = upload.getvalue()
        prepared = importer.prepare_file(data, upload.name, None if kind_choice == "auto" else kind_choice)
        label = KIND_LABELS[prepared.kind].lower()
        st.markdown(f"**{upload.name}**: {len(prepared.frame)} rader ({label})")
        if len(prepared.warnings):
            st.warning(
                ("Rettet automatisk:\n\n" if nb else "Corrected automatically:\n\n")
                + format_problems(prepared.warnings).replace("\n", "\n\n")
            )
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
                (
                    f"{len(prepared.problems)} feil i {prepared.rejected_rows} rader. Ingenting er lagret. "
                    "Rett filen og last den opp på nytt:\n\n"
                    if nb
                    else f"{len(prepared.problems)} problems in {prepared.rejected_rows} rows. Nothing was stored:\n\n"
                )
                + format_problems(prepared.problems.head(200)).replace("\n", "\n\n")
            )
        elif st.button(
            f"Importer {len(prepared.frame)} rader" if nb else f"Import {len(prepared.frame)} rows",
            type="primary",
            key="data_confirm",
        ):
            bar = st.progress(0.0, text="Importerer …" if nb else "Importing …")
            result = importer.import_file(
                engine,
                data,
                current.user,
                filename=upload.name,
                kind=prepared.kind,
                progress=lambda share: bar.progress(share),
            )
            done(result.summary())
            st.rerun()

with tab_edit:
    kind = st.radio(
        "Tabell" if nb else "Table", ["needs", "offers"], horizontal=True, key="edit_kind", format_func=KIND_LABELS.get
    )
    records = storage.read_frame(engine, kind, with_meta=True)
    if current.region and kind == "needs":
        from kompilot_data.indicators import region_codes

        records = records[records["kommunenummer"].isin(region_codes(current.region))]
        st.caption(f"Du kan redigere behov i {current.region}." if nb else f"You may edit needs in {current.region}.")
    id_column = ID_COLUMN[kind]
    shown = importer.as_import_format(records, kind).set_index(id_column)
    versions = dict(zip(records[id_column].astype(str), records["versjon"], strict=True))
    st.caption(
        "Endre celler, legg til rader nederst, eller merk rader og slett. Lagre sjekker alt på nytt."
        if nb
        else "Edit cells, add rows at the bottom, or select rows and delete. Saving checks everything again."
    )
    edited = st.data_editor(shown, num_rows="dynamic", key=f"editor_{kind}", height=420, width="stretch")
    if st.button("Lagre endringer" if nb else "Save changes", key="edit_save", type="primary"):
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
            done(f"Lagret {len(messages)} endringer." if nb else f"Saved {len(messages)} changes.")
            st.rerun()
        elif messages:
            ui.refresh_data_version()
            st.info(f"Lagret {len(messages)} endringer; se feilene over." if nb else f"Saved {len(messages)} changes.")

with tab_batches:
    batches = storage.batches(engine)
    st.dataframe(batches, width="stretch", hide_index=True)
    open_batches = batches[batches["angret"].isna()]["id"].tolist()
    if open_batches:
        chosen = st.selectbox(
            "Angre import" if nb else "Undo import",
            open_batches,
            key="undo_choice",
            format_func=lambda i: f"{i}: {batches.set_index('id').at[i, 'filnavn']}",
        )
        if st.button("Angre valgt import" if nb else "Undo selected import", key="undo_button"):
            try:
                result = storage.undo_batch(engine, int(chosen), current.user)
                done(f"Import {chosen} angret: {result['slettet']} slettet, {result['gjenopprettet']} gjenopprettet.")
                st.rerun()
            except storage.ConflictError as error:
                st.error(str(error))
    st.divider()
    st.markdown(
        f"**Demodata:** {demo_needs} behov og {demo_offers} tilbud."
        if nb
        else f"**Demo data:** {demo_needs} needs and {demo_offers} offers."
    )
    if demo_needs or demo_offers:
        sure = st.checkbox("Ja, fjern alle demodata" if nb else "Yes, remove all demo data", key="demo_sure")
        if st.button("Fjern demodata" if nb else "Remove demo data", disabled=not sure, key="demo_remove"):
            removed = storage.remove_demo(engine, current.user)
            done(
                f"Fjernet {removed['needs']} behov og {removed['offers']} tilbud (demo)."
                if nb
                else f"Removed {removed['needs']} needs and {removed['offers']} offers (demo)."
            )
            st.rerun()

with tab_log:
    st.dataframe(storage.audit_log(engine, limit=1000), width="stretch", hide_index=True, height=480)

with tab_export:
    needs, offers = ui.filtered()
    left, right = st.columns(2)
    with left:
        st.markdown("**Filtrert visning (importformat)**" if nb else "**Filtered view (import format)**")
        for kind, frame in (("needs", needs), ("offers", offers)):
            st.download_button(
                f"{KIND_LABELS[kind]} ({len(frame)}) – Excel",
                lambda k=kind, f=frame: ui.excel_bytes(importer.as_import_format(f, k)),
                f"kompilot_{kind}.xlsx",
                key=f"export_{kind}",
                on_click="ignore",
            )
    with right:
        st.markdown("**Full sikkerhetskopi og maler**" if nb else "**Full backup and templates**")

        def backup_bytes() -> bytes:
            with tempfile.TemporaryDirectory() as folder:
                return importer.backup(engine, Path(folder) / "kopi.xlsx").read_bytes()

        def template_bytes(kind: str) -> bytes:
            with tempfile.TemporaryDirectory() as folder:
                return importer.write_template(kind, Path(folder) / "mal.xlsx").read_bytes()

        st.download_button(
            "Last ned full sikkerhetskopi" if nb else "Download a full backup",
            backup_bytes,
            f"kompilot_sikkerhetskopi_{pd.Timestamp.now():%Y-%m-%d}.xlsx",
            key="backup_download",
            on_click="ignore",
        )
        for kind in ("needs", "offers"):
            st.download_button(
                f"Mal: {KIND_LABELS[kind].lower()}" if nb else f"Template: {KIND_LABELS[kind].lower()}",
                lambda k=kind: template_bytes(k),
                f"kompilot_mal_{kind}.xlsx",
                key=f"template_{kind}",
                on_click="ignore",
            )
