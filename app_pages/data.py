"""Data (coordinators): import, edit, undo, audit log, exports, backup and restore.

Every user-supplied text shown here (file names, cell values in messages, ids) goes through
``safe_text.plain``; tables show cells as text. Every action runs through ``guarded``: a failure becomes one
Norwegian message that says what to do, and the traceback goes to the server log.
"""

import hashlib

import streamlit as st

import ui
from kompilot_data.present.safe_text import plain, plain_lines
from kompilot_data.records import importer, reader, storage
from kompilot_data.records.access import readable
from kompilot_data.records.schema import ID_COLUMN
from kompilot_data.records.validation import format_problems
from kompilot_data.reference.errors import text_in
from kompilot_data.view import filters as filtering
from ui import data_page, describe_import

st.title(ui.T("data_title"))
if ui.files_mode():
    st.info(ui.T("files_mode"))
    st.stop()
current = ui.require_coordinator()
engine = ui.engine()
KIND_LABELS = {"needs": ui.T("kind_needs"), "offers": ui.T("kind_offers")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AUDIT_ROWS = 1000


def done(message: str) -> None:
    st.session_state["data_message"] = message
    ui.refresh_data_version()


guarded = data_page.guarded


def template_button(place, kind: str, label: str, key: str, **options) -> None:
    """The Excel template for ``kind`` in the interface's language, built only when clicked (first tab and
    export tab)."""
    place.download_button(
        ui.T(label, kind=KIND_LABELS[kind].lower()),
        lambda: importer.template_bytes(kind, ui.language()),
        importer.template_name(kind, ui.language()),
        XLSX,
        key=key,
        on_click="ignore",
        **options,
    )


def number(value: int) -> str:
    """A count in the reader's format: 1 500 in bokmål (narrow no-break space), 1,500 in English."""
    return ui.number(value)


if "data_message" in st.session_state:
    st.success(st.session_state.pop("data_message"))  # our own text (counts), no user input

demo_needs, demo_offers = storage.count(engine, "needs", demo=True), storage.count(engine, "offers", demo=True)
if demo_needs or demo_offers:
    st.warning(ui.T("demo_badge"), icon=":material/science:")

tab_import, tab_edit, tab_batches, tab_log, tab_export = st.tabs(
    [ui.T(key) for key in ("tab_import", "tab_edit", "tab_batches", "tab_audit", "tab_export")]
)

with tab_import:
    st.markdown(ui.T("import_intro"))
    for column, kind in zip(st.columns(2), ("needs", "offers"), strict=True):
        template_button(
            column,
            kind,
            "template_download",
            f"template_first_{kind}",
            icon=":material/download:",
            help=ui.T("template_help"),
            width="stretch",
        )
    st.caption(ui.T("upload_limit", limit=st.get_option("server.maxUploadSize")))
    st.caption(
        ui.T(
            "read_limits",
            rows=number(reader.MAX_ROWS),
            columns=number(reader.MAX_COLUMNS),
            cells=number(reader.MAX_CELLS),
            chars=number(reader.MAX_CELL_CHARS),
        )
    )
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
        accepted = guarded("beskrivelse", lambda: describe_import.review(data, upload.name)) or {}  # issue 27
        prepared = guarded(
            "lesing",
            lambda: ui.prepared_upload(data, upload.name, None if kind_choice == "auto" else kind_choice, accepted),
        )
        if prepared is not None:
            prepared = guarded("tilgangskontroll", lambda: importer.restrict_to_access(prepared, current, engine))
        if prepared is not None:
            label = KIND_LABELS[prepared.kind].lower()
            st.markdown(f"**{plain(upload.name)}**: " + ui.T("rows_of_kind", rows=len(prepared.frame), kind=label))
            if len(prepared.warnings):
                st.warning(ui.T("corrected") + "\n\n" + plain_lines(format_problems(prepared.warnings, ui.language())))
            if len(prepared.frame.columns):
                bad_rows = set(prepared.problems["rad"].dropna().astype(int))
                first = prepared.first_data_row
                preview = prepared.frame.head(1000).copy()
                preview = preview.astype(object).where(preview.notna(), "")  # empty cells blank, not None
                preview.index = range(first, first + len(preview))
                preview.index.name = "rad"

                def highlight(row):
                    return ["background-color: #F8D7DA" if row.name in bad_rows else "" for _ in row]

                with st.expander(ui.T("file_rows"), expanded=not prepared.ok):
                    st.dataframe(
                        preview.style.apply(highlight, axis=1),
                        width="stretch",
                        height=320,
                        column_config=data_page.file_preview_config(preview.columns, ui.language()),
                    )
            if not prepared.ok:
                headline = data_page.rejected_headline(prepared, upload.name, ui.language())
                st.error(headline + "\n\n" + plain_lines(format_problems(prepared.problems.head(200), ui.language())))
            else:
                changes = guarded("forhåndsvisning", lambda: data_page.preview(engine, prepared))
                if changes is not None:
                    take_file = data_page.show_preview(changes)
                    if not changes.new_ids and not changes.updates and not take_file:
                        st.info(ui.T("preview_nothing", rows=changes.rows), icon=":material/info:")
                    elif st.button(
                        ui.T(
                            "import_confirm_counts",
                            new=len(changes.new_ids),
                            changed=len(changes.updates) + len(take_file),
                        ),
                        type="primary",
                        key="data_confirm",
                    ):
                        bar = st.progress(0.0, text=ui.T("importing"))
                        result = guarded(
                            "import",
                            lambda: importer.import_prepared(
                                engine,
                                prepared,
                                data,
                                upload.name,
                                current.user,
                                progress=lambda share: bar.progress(share),
                                access=current,
                                preview=changes,
                                take_file=take_file,
                            ),
                        )
                        if result is not None:
                            done(result.summary(ui.language()))
                            st.rerun()

with tab_edit:
    kind = st.radio(ui.T("table"), ["needs", "offers"], horizontal=True, key="edit_kind", format_func=KIND_LABELS.get)
    records = storage.read_frame(engine, kind, with_meta=True)
    if not current.all_regions:
        allowed = current.municipalities() or frozenset()
        records = records[records["kommunenummer"].astype(object).isin(allowed).to_numpy()]
        st.caption(ui.T("edit_region_both", region=plain(current.region)))
    keep = filtering.filter_needs if kind == "needs" else filtering.filter_offers
    records = keep(records, ui.current_filters())
    search = st.text_input(
        ui.T("edit_search"),
        key=f"edit_search_{kind}",
        placeholder=ui.T("edit_search_placeholder"),
        icon=":material/search:",
    )
    records = data_page.search(records, kind, search)
    st.caption(ui.T("edit_shown", shown=number(len(records)), filters=plain(ui.describe_filters())))
    st.caption(ui.T("edit_help"))
    id_column = ID_COLUMN[kind]
    versions = dict(zip(records[id_column].astype(str).tolist(), records["versjon"].astype(int).tolist(), strict=True))
    shown, config = data_page.editor_frame(records, kind, ui.language())
    editor_key = f"editor_{kind}_{ui.data_version()}_{hashlib.sha1(search.encode()).hexdigest()[:8]}"
    data_page.typing_fix()
    st.data_editor(
        shown,
        num_rows="dynamic",
        key=editor_key,
        height=420,
        width="stretch",
        column_config=config,
        placeholder="",
    )
    if st.button(ui.T("save_changes"), key="edit_save", type="primary"):
        state = st.session_state[editor_key]
        ids = list(shown.index)
        edited = {
            ids[int(position)]: data_page.as_text(changes, kind)
            for position, changes in state.get("edited_rows", {}).items()
        }
        added = [
            {**data_page.as_text(row, kind), id_column: row.get("_index") or row.get(id_column)}
            for row in state.get("added_rows", [])
        ]
        deleted = [ids[int(position)] for position in state.get("deleted_rows", [])]
        result = guarded(
            "lagring", lambda: storage.apply_edits(engine, kind, edited, added, deleted, versions, current)
        )
        if result is not None and result.ok and result.saved:
            done(ui.T("saved", count=result.saved))
            st.rerun()
        elif result is not None:
            for message in result.errors:
                st.error(plain(text_in(message, ui.language())))

with tab_batches:
    batches = storage.batches(engine, access=current)
    ui.show_table(data_page.batch_table(batches, ui.language()))
    open_batches = batches[batches["angret"].isna()]["id"].tolist()
    if open_batches:
        names = batches.set_index("id")["filnavn"]
        chosen = st.selectbox(
            ui.T("undo_import"),
            open_batches,
            key="undo_choice",
            format_func=lambda i: f"{i}: {names.at[i]}",
        )
        changed = guarded("kontroll av import", lambda: storage.changed_since_import(engine, int(chosen)))
        partly = changed is not None and len(changed) > 0
        # Before it acts, the undo lists the needs linked to this import's offers (issue 23): those it would leave
        # linked to nothing block it; those linked since to an offer it sets back need a confirmation.
        linked = guarded(
            "kontroll av koblinger", lambda: storage.linked_since_import(engine, int(chosen), keep_changed=partly)
        )
        confirmed = data_page.undo_links(linked, chosen)
        if partly:
            st.warning(
                ui.T("undo_changed_since", batch=chosen, count=len(changed))
                + "\n\n"
                + plain_lines(data_page.changed_lines(changed, ui.language()))
            )
            if st.button(ui.T("undo_keep_changed", count=len(changed)), key="undo_partial", disabled=confirmed is None):
                result = guarded(
                    "angring",
                    lambda: storage.undo_batch(
                        engine,
                        int(chosen),
                        current.user,
                        access=current,
                        keep_changed=True,
                        confirmed_links=confirmed,
                    ),
                )
                if result is not None:
                    done(
                        ui.T("undone_partly", batch=chosen, deleted=result["slettet"], restored=result["gjenopprettet"])
                        + " "
                        + ui.T("undone_kept", ids=", ".join(result["beholdt"][:20]))
                    )
                    st.rerun()
        elif changed is not None and st.button(ui.T("undo_selected"), key="undo_button", disabled=confirmed is None):
            result = guarded(
                "angring",
                lambda: storage.undo_batch(
                    engine, int(chosen), current.user, access=current, confirmed_links=confirmed
                ),
            )
            if result is not None:
                done(ui.T("undone", batch=chosen, deleted=result["slettet"], restored=result["gjenopprettet"]))
                st.rerun()
    st.divider()
    st.markdown(ui.T("demo_count", needs=number(demo_needs), offers=number(demo_offers)))
    if (demo_needs or demo_offers) and current.all_regions:
        sure = st.checkbox(ui.T("demo_sure"), key="demo_sure")
        if st.button(ui.T("demo_remove"), disabled=not sure, key="demo_remove"):
            removed = guarded("fjerning av demodata", lambda: storage.remove_demo(engine, current.user, access=current))
            if removed is not None:
                done(ui.T("demo_removed", needs=ui.number(removed["needs"]), offers=ui.number(removed["offers"])))
                st.rerun()
    elif demo_needs or demo_offers:
        st.caption(ui.T("all_regions_only"))

with tab_log:
    log = storage.audit_log(engine, limit=AUDIT_ROWS, access=current)  # a sub-region's entries only (issue 23)
    if not current.reads_everything:
        st.caption(ui.T("audit_region_only", region=current.region))
    if log.empty:
        st.info(ui.T("audit_empty"), icon=":material/info:")
    else:
        st.caption(ui.T("audit_caption", count=number(len(log))))
        st.dataframe(
            data_page.audit_table(log, ui.language()),
            width="stretch",
            hide_index=True,
            height=480,
            key="audit_log",
        )

with tab_export:
    records_view = ui.records_view()  # the selection narrowed to what this user may read (issue 23)
    left, right = st.columns(2)
    with left:
        st.markdown(ui.T("export_filtered"))
        st.caption(ui.T("export_report_note"))
        if not current.reads_everything:
            st.caption(ui.T("export_region_only", region=current.region))
        exported = (
            ()
            if records_view is None
            else (
                ("needs", readable(current, "needs", records_view.needs)),
                ("offers", readable(current, "offers", ui.view().offers)),
            )
        )
        for kind, frame in exported:
            table = importer.as_import_format(frame, kind)
            name = data_page.export_name(kind, ui.language())
            csv_column, excel_column = st.columns(2)
            csv_column.download_button(
                ui.T("download_kind_csv", kind=KIND_LABELS[kind], count=number(len(frame))),
                lambda t=table: importer.csv_bytes(t),
                f"{name}.csv",
                "text/csv",
                key=f"export_{kind}_csv",
                on_click="ignore",
                width="stretch",
            )
            problem = importer.excel_problem(table)
            excel_column.download_button(
                ui.T("download_kind_excel", kind=KIND_LABELS[kind], count=number(len(frame))),
                lambda t=table, k=kind: importer.excel_bytes(t, "behov" if k == "needs" else "tilbud"),
                f"{name}.xlsx",
                XLSX,
                key=f"export_{kind}",
                on_click="ignore",
                width="stretch",
                disabled=problem is not None,
            )
            if problem:
                st.caption(plain(problem.text(ui.language())))
        st.markdown(ui.T("templates_title"))
        for kind in ("needs", "offers"):
            template_button(st, kind, "template", f"template_{kind}")
    with right:
        st.markdown(ui.T("backup_title"))
        if not current.reads_everything:  # a full backup holds every sub-region's records and the whole log
            st.caption(ui.T("backup_all_regions_only", region=current.region))
        else:
            data_page.backup_and_restore(engine, current, done)
