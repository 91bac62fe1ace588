"""Parts of the Data page (coordinators): the import preview with the choice for records edited in the app, the
table editor's frame (drop-downs with labels, number limits, dates, search), the import batch table and the audit
log as a coordinator reads it.

Every header on the page is a translated label (``tests/test_design.py`` fails on a raw column name); the editor
keeps the schema's column names underneath (edits are saved by name) and shows the labels through
``column_config``. User text (ids, file names, cell values) is shown through ``safe_text.plain``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

import pandas as pd
import streamlit as st

from kompilot_data.present import tables
from kompilot_data.present.safe_text import plain, plain_lines
from kompilot_data.records import backup, errors, importer, storage
from kompilot_data.records.schema import ID_COLUMN, SPECS, shown, text_limit
from kompilot_data.records.storage.links import describe_need
from kompilot_data.reference import load_municipalities, taxonomy
from kompilot_data.reference.i18n import TEXTS, format_date, format_number, t
from ui.state import T, language, number

TYPING_FIX = """
<script>
(() => {
  if (window.__kompilotTypingFix) return;
  window.__kompilotTypingFix = true;
  // Streamlit's table editor (glide-data-grid) opens a cell's editor on the first key typed on a selected cell,
  // but the editor's input takes the focus only some 100 ms later: a key typed in between reaches the grid and
  // opens the editor again with that key, so "12" typed quickly is stored as "2". Keys typed while the editor
  // is opening are held here and typed into the editor when it takes the focus.
  const WAIT_MS = 1500;
  let opening = null; // {since, keys: [...]}
  const isCell = (el) => el && el.closest && (el.closest('[data-testid="stDataFrameResizable"]') || el.closest('[data-testid="stDataFrame"]')) && !el.closest('.gdg-input');
  const printable = (e) => e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey;
  document.addEventListener('keydown', (e) => {
    const target = e.target;
    if (target && target.classList && target.classList.contains('gdg-input')) return;
    if (!isCell(target)) return;
    const now = performance.now();
    if (opening && now - opening.since > WAIT_MS) opening = null;
    if (opening) {
      if (printable(e) || e.key === 'Enter' || e.key === 'Tab' || e.key === 'Backspace') {
        opening.keys.push(e.key);
        e.preventDefault();
        e.stopImmediatePropagation();
      }
      return;
    }
    if (printable(e)) opening = {since: now, keys: []};
  }, true);
  const setValue = (input, value) => {
    const proto = input.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(input, value);
    input.dispatchEvent(new Event('input', {bubbles: true}));
  };
  document.addEventListener('focusin', (e) => {
    const input = e.target;
    if (!opening || !input.classList || !input.classList.contains('gdg-input')) return;
    const keys = opening.keys;
    opening = null;
    if (!keys.length) return;
    setTimeout(() => {
      let value = input.value;
      for (const key of keys) {
        if (key.length === 1) value += key;
        else if (key === 'Backspace') value = value.slice(0, -1);
        else {
          setValue(input, value);
          input.setSelectionRange && input.setSelectionRange(value.length, value.length);
          input.dispatchEvent(new KeyboardEvent('keydown', {key, code: key, bubbles: true, cancelable: true}));
          return;
        }
      }
      setValue(input, value);
      input.setSelectionRange && input.setSelectionRange(value.length, value.length);
    }, 0);
  }, true);
})();
</script>
"""
"""Keys typed while a cell's editor is opening are held and typed into it (see :func:`typing_fix`)."""

#: Stored times are UTC; a coordinator reads them in Norwegian time.
LOCAL_TIME = "Europe/Oslo"
PREVIEW_KEY = "_import_preview"
CONFLICT_CHOICE = "import_conflict_choice"
SHOWN_CHANGES = 200


# --- actions ----------------------------------------------------------------------------------


def guarded(what: str, action):
    """Run ``action``; on any failure show a message in the user's language (the traceback goes to the server log)."""
    try:
        return action()
    except Exception as error:
        st.error(plain(errors.log(error, what, language())), icon=":material/error:")
        return None


# --- import preview ---------------------------------------------------------------------------


def rejected_headline(prepared, filename: str, lang: str) -> str:
    """The first line of a refused import: for a file that cannot be read as a whole, that the file could not be
    read (never "1 problem in 0 rows", issue 23); otherwise how many problems in how many rows."""
    if prepared.unreadable:
        return t("import_file_unreadable", lang, file=plain(filename))
    return t("import_rejected", lang, problems=len(prepared.problems), rows=prepared.rejected_rows)


def preview(engine, prepared) -> storage.ImportPreview:
    """What importing ``prepared`` would change, computed once per file and data version (not on every rerun)."""
    key = (id(prepared), storage.data_version(engine))
    cached = st.session_state.get(PREVIEW_KEY)
    if cached is None or cached[0] != key:
        cached = (key, importer.preview_import(engine, prepared))
        st.session_state[PREVIEW_KEY] = cached
    return cached[1]


def show_preview(changes: storage.ImportPreview) -> set[str]:
    """The preview, record by record and field by field; for records edited in the app since they were imported,
    the coordinator's choice (default: keep the app's version). Returns the ids that take the file's version."""
    lang = language()
    conflicts = changes.conflicts
    columns = st.columns(4)
    figures = (
        ("preview_new", len(changes.new_ids)),
        ("preview_changed", len(changes.updates)),
        ("preview_unchanged", changes.unchanged),
        ("preview_edited", len(conflicts)),
    )
    for column, (key, value) in zip(columns, figures, strict=True):
        column.metric(T(key), number(value))
    if changes.new_ids:
        with st.expander(T("preview_new_list", count=number(len(changes.new_ids)))):
            shown = changes.new_ids[:SHOWN_CHANGES]
            more = len(changes.new_ids) - len(shown)
            st.markdown(plain(", ".join(shown)) + (" " + T("preview_more", count=number(more)) if more > 0 else ""))
    updates = changes.updates
    if updates:
        with st.expander(T("preview_changed_list", count=number(len(updates))), expanded=len(updates) <= 20):
            _change_lines(updates, lang)
    if not conflicts:
        return set()
    st.warning(T("preview_conflicts", count=number(len(conflicts))), icon=":material/edit_note:")
    choice = st.radio(
        T("preview_choice"),
        ["keep", "take", "each"],
        format_func=lambda c: T(f"preview_choice_{c}"),
        key=CONFLICT_CHOICE,
        horizontal=True,
    )
    if choice == "each":
        st.caption(T("preview_each_help"))
        for change in conflicts[:SHOWN_CHANGES]:
            st.checkbox(plain(importer.describe_change(change, lang)), key=f"take_file_{change.record_id}")
        return {c.record_id for c in conflicts[:SHOWN_CHANGES] if st.session_state.get(f"take_file_{c.record_id}")}
    _change_lines(conflicts, lang)
    return {c.record_id for c in conflicts} if choice == "take" else set()


def _change_lines(changes: list, lang: str) -> None:
    shown = changes[:SHOWN_CHANGES]
    lines = [importer.describe_change(change, lang) for change in shown]
    st.markdown(plain_lines(lines))
    if len(changes) > len(shown):
        st.caption(T("preview_more", count=number(len(changes) - len(shown))))


# --- the table editor -------------------------------------------------------------------------


def typing_fix() -> None:
    """Fix "12" typed into a cell being stored as "2" (issue 13).

    Streamlit's table editor (glide-data-grid) opens a cell's editor on the first key typed on a selected cell,
    but the editor's input takes the keyboard focus only about 100 ms later (measured in Chromium: 90–130 ms). A
    second key typed in that time reaches the grid, which opens the editor again with that key: "12" typed at
    normal speed became "2", and "12" followed quickly by Enter was lost. This script holds the keys typed while
    the editor is opening (printable keys, Backspace, Enter and Tab, for at most 1.5 s) and types them into the
    editor when it takes the focus. ``tests/test_editor_browser.py`` types "12" and Enter without pauses and finds
    12 in the database.
    """
    st.html(TYPING_FIX, unsafe_allow_javascript=True)


def search(records: pd.DataFrame, kind: str, text: str) -> pd.DataFrame:
    """Records where any field (as text, with the municipality's name and the code labels) contains ``text``,
    ignoring case; all records for an empty text."""
    text = (text or "").strip().lower()
    if not text or records.empty:
        return records
    shown = importer.as_import_format(records, kind, spreadsheet=False)
    hay = shown.astype(str).agg(" ".join, axis=1).str.lower()
    names = load_municipalities()["navn"]
    hay = hay + " " + records["kommunenummer"].astype("string").map(names).fillna("").str.lower().to_numpy()
    for spec in SPECS[kind]:
        if spec.kind == "code":
            labels = taxonomy.labels(_taxonomy_of(kind, spec), language())
            hay = hay + " " + records[spec.name].astype("string").map(labels).fillna("").str.lower().to_numpy()
    return records[hay.str.contains(text, regex=False).to_numpy()]


def _taxonomy_of(kind: str, spec) -> str:
    if spec.name == "status":
        return "behov_status" if kind == "needs" else "tilbud_status"
    return spec.taxonomy


def editor_frame(records: pd.DataFrame, kind: str, lang: str) -> tuple[pd.DataFrame, dict]:
    """The records as the table editor shows them (indexed by id) and its column configuration: every column (the
    id too) under its translated header, drop-downs with labels for code columns and the municipality («5007
    Namsos»), number columns with their limits, date columns (dd.mm.yyyy; 27 Nov 2026 in English), yes/no as a
    checkbox and text with its length limit. The frame keeps the schema's column names: edits are saved by name."""
    id_column = ID_COLUMN[kind]
    names = load_municipalities()["navn"]
    frame = pd.DataFrame(index=pd.Index(records[id_column].astype(str).tolist(), name=id_column))
    config: dict[str, object] = {}
    for spec in SPECS[kind]:
        if spec.name == id_column:
            continue
        values = records[spec.name]
        label = tables.header(spec.name, lang)
        help_text = spec.description_nb if lang == "nb" else spec.description_en
        common = {"help": help_text, "required": spec.required}
        if spec.kind == "code":
            labels = taxonomy.labels(_taxonomy_of(kind, spec), lang)
            frame[spec.name] = values.astype(object).where(values.notna(), None).tolist()
            config[spec.name] = st.column_config.SelectboxColumn(
                label,
                options=list(labels),
                format_func=lambda code, labels=labels: labels.get(code, code),
                width="medium",  # the grid sizes columns by the codes, not by the (longer) labels it shows
                **common,
            )
        elif spec.kind == "kommune":
            frame[spec.name] = values.astype(object).where(values.notna(), None).tolist()
            config[spec.name] = st.column_config.SelectboxColumn(
                label,
                options=list(names.index),
                format_func=lambda code: f"{code} {names.get(code, '')}".strip(),
                width="medium",
                **common,
            )
        elif spec.kind in ("int", "float"):
            frame[spec.name] = values.astype("Float64" if spec.kind == "float" else "Int64").to_numpy()
            config[spec.name] = st.column_config.NumberColumn(
                label,
                min_value=spec.minimum,
                max_value=spec.maximum,
                step=1 if spec.kind == "int" else None,
                format="%d" if spec.kind == "int" else None,
                **common,
            )
        elif spec.kind == "date":
            frame[spec.name] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in values]
            config[spec.name] = st.column_config.DateColumn(
                label, format="DD.MM.YYYY" if lang == "nb" else "D MMM YYYY", **common
            )
        elif spec.kind == "bool":
            frame[spec.name] = values.astype(bool).to_numpy()
            config[spec.name] = st.column_config.CheckboxColumn(label, help=help_text)
        else:
            frame[spec.name] = values.astype(object).where(values.notna(), None).tolist()
            config[spec.name] = st.column_config.TextColumn(label, max_chars=text_limit(spec), **common)
    config["_index"] = st.column_config.TextColumn(
        tables.header(id_column, lang), help=T("edit_id_help"), required=True
    )
    return frame, config


def as_text(changes: dict, kind: str) -> dict:
    """The editor's values as :func:`storage.apply_edits` reads them: dates as 2026-11-27, numbers and yes/no as
    they are, empty cells as None."""
    kinds = {spec.name: spec.kind for spec in SPECS[kind]}
    out = {}
    for name, value in changes.items():
        if isinstance(value, str) and not value.strip():
            value = None
        if value is not None and kinds.get(name) == "date":
            if isinstance(value, (datetime, pd.Timestamp)):
                value = value.date()
            value = value.isoformat() if isinstance(value, date) else str(value)[:10]
        out[name] = value
    return out


# --- file names -----------------------------------------------------------------------------

#: Exported tables' file names (without extension) in the interface's language.
EXPORT_NAMES = {
    ("needs", "nb"): "kompilot_behov",
    ("offers", "nb"): "kompilot_tilbud",
    ("needs", "en"): "kompilot_needs",
    ("offers", "en"): "kompilot_offers",
}


def export_name(kind: str, lang: str) -> str:
    """The exported table's file name without extension: ``kompilot_behov`` (``kompilot_needs`` in English)."""
    return EXPORT_NAMES[(kind, lang if lang == "en" else "nb")]


def backup_name(lang: str, when) -> str:
    """The backup's file name: ``kompilot-sikkerhetskopi-2026-11-27.zip`` (``kompilot-backup-…`` in English)."""
    word = "backup" if lang == "en" else "sikkerhetskopi"
    return f"kompilot-{word}-{pd.Timestamp(when):%Y-%m-%d}.zip"


# --- import batches ---------------------------------------------------------------------------


def local_time(value, lang: str) -> str:
    """A stored time (UTC) as a coordinator reads it, in Norwegian time: ``27.11.2026 15:04`` (``27 Nov 2026
    15:04`` in English); blank when missing."""
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    stamp = (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).tz_convert(LOCAL_TIME)
    return f"{format_date(stamp, lang)} {stamp:%H:%M}"


def batch_table(batches: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The imports as a coordinator reads them: import, file, time (Norwegian time), who, table, counts and whether
    it was undone (no hash)."""
    kinds = {"needs": T("kind_needs"), "offers": T("kind_offers")}

    def when(value) -> str:
        return local_time(value, lang)

    def status(row) -> str:
        if row["angret"] is None or pd.isna(row["angret"]):
            return ""
        kept = row.get("ikke_angret")
        if kept is not None and not pd.isna(kept) and int(kept):
            return T("batch_undone_partly", when=when(row["angret"]), kept=int(kept))
        return T("batch_undone", when=when(row["angret"]))

    def count(value) -> str:
        return "" if value is None or pd.isna(value) else number(int(value))

    return pd.DataFrame(
        {
            T("batch_col_id"): batches["id"].astype(int).astype(str).to_numpy(),
            T("batch_col_file"): batches["filnavn"].to_numpy(),
            T("batch_col_time"): [when(v) for v in batches["importert"]],
            T("batch_col_user"): batches["bruker"].to_numpy(),
            T("batch_col_kind"): batches["type"].map(kinds).fillna(batches["type"]).to_numpy(),
            T("batch_col_new"): [count(v) for v in batches["nye"]],
            T("batch_col_changed"): [count(v) for v in batches["endrede"]],
            T("batch_col_unchanged"): [count(v) for v in batches["uendrede"]],
            T("batch_col_kept"): [count(v) for v in batches["beholdt"]],
            T("batch_col_undone"): [status(row) for _, row in batches.iterrows()],
        }
    )


def file_preview_config(columns, lang: str) -> dict:
    """``column_config`` for the rows of an uploaded file: the import format's columns under their translated
    headers, the row number as «Rad i filen»; a column the format does not know keeps the file's own header."""
    config: dict[str, object] = {"_index": st.column_config.Column(t("file_row", lang))}
    for column in columns:
        try:
            config[str(column)] = st.column_config.Column(tables.header(str(column), lang))
        except KeyError:
            continue
    return config


def changed_lines(changed: pd.DataFrame, lang: str) -> list[str]:
    """One line per record changed since an import: ``B1: endret i appen av …, 27.11.2026``."""
    lines = []
    for row in changed.itertuples(index=False):
        how = row.handling if f"changed_how_{row.handling}" in _texts() else "endring"
        when = format_date(row.endret, lang) if row.endret is not None and not pd.isna(row.endret) else ""
        lines.append(f"{row.post_id}: " + T(f"changed_how_{how}", user=row.endret_av or "?", date=when))
    return lines


def linked_lines(linked: pd.DataFrame, lang: str) -> list[str]:
    """One line per need linked to an import's offers: ``«N1» i Namsos (5007), Namdalen – Koblet til tilbud, tilbud
    «FT1»`` (id and place only: no business identity)."""
    return [describe_need(row).text(lang) for row in linked.to_dict("records")]


def undo_links(linked: pd.DataFrame | None, batch) -> list[str] | None:
    """Show what an undo of ``batch`` does to needs linked to its offers, before it acts (issue 23). Returns the
    ids of the needs the coordinator confirmed (empty when there are none), or None when the undo cannot go ahead:
    needs block it, or the confirmation is not ticked (or the list could not be read)."""
    if linked is None:
        return None
    if linked.empty:
        return []
    lang = language()
    blocking = linked[linked["hindrer"].astype(bool)]
    if len(blocking):
        st.error(
            T("undo_links_blocking", batch=batch, count=number(len(blocking)))
            + "\n\n"
            + plain_lines(linked_lines(blocking, lang)),
            icon=":material/link_off:",
        )
        return None
    st.warning(
        T("undo_links_confirm", batch=batch, count=number(len(linked)))
        + "\n\n"
        + plain_lines(linked_lines(linked, lang)),
        icon=":material/link:",
    )
    if not st.checkbox(T("undo_links_sure", count=number(len(linked))), key=f"undo_links_sure_{batch}"):
        return None
    return linked["behov_id"].astype(str).tolist()


# --- backup and restore ---------------------------------------------------------------------------


def backup_key() -> bytes | None:
    """The key that signs backups here: ``KOMPILOT_BACKUP_KEY``, else ``sikkerhetskopi_nokkel`` under ``[kompilot]``
    in the secrets (a key shorter than 32 characters is a configuration error)."""
    from ui import auth

    return backup.signing_key(auth._secrets().get("kompilot"))  # the secrets auth already read and checked


def backup_and_restore(engine, current, done) -> None:
    """The backup download and the restore (coordinators of all sub-regions only): the restore checks the file
    (signature, sizes and checksums, rows), says what needs an explicit choice (unsigned, another database, empty)
    and asks for it, writes a safety backup first and keeps the audit log (issue 23)."""
    key = guarded("nøkkel for sikkerhetskopier", backup_key)
    signed = key is not None
    st.caption(T("backup_help"))
    st.caption(T("backup_signed" if signed else "backup_unsigned", variable=backup.KEY_VARIABLE))
    st.download_button(
        T("backup_download"),
        lambda: backup.backup_bytes(engine, access=current, key=key),
        backup_name(language(), pd.Timestamp.now()),
        "application/zip",
        key="backup_download",
        on_click="ignore",
    )
    st.markdown(T("restore_title"))
    copy = st.file_uploader(T("restore_upload"), type=["zip"], key="restore_upload")
    if copy is None:
        return
    content = copy.getvalue()
    file_key = hashlib.sha256(content).hexdigest()
    if st.session_state.get("_restore_key") != file_key:  # verify once per file, not on every rerun
        st.session_state["_restore_key"] = file_key
        st.session_state["_restore_version"] = storage.data_version(engine)
        st.session_state["_restore_tables"] = guarded(
            "kontroll av sikkerhetskopi", lambda: backup.read_backup(content, copy.name, key)
        )
    verified = st.session_state.get("_restore_tables")
    if verified is None:
        return
    counts = {k: number(v) for k, v in verified.counts.items()}
    st.info(T("restore_checked", **counts, folder=plain(str(backup.backup_folder()))))
    reasons = guarded("kontroll av sikkerhetskopi", lambda: backup.force_reasons(verified, engine)) or []
    forced = True
    if reasons:
        st.warning(
            T("restore_force_title") + "\n\n" + plain_lines([r.text(language()) for r in reasons]),
            icon=":material/warning:",
        )
        forced = st.checkbox(T("restore_force_sure"), key="restore_force_sure")
    sure = st.checkbox(T("restore_sure"), key="restore_sure")
    if st.button(T("restore_button"), disabled=not (sure and forced), key="restore_button", type="primary"):
        result = guarded(
            "gjenoppretting",
            lambda: backup.restore_verified(
                engine,
                verified,
                current.user,
                access=current,
                expected_version=st.session_state["_restore_version"],
                force=bool(reasons),
                key=key,
            ),
        )
        st.session_state.pop("_restore_key", None)
        st.session_state.pop("_restore_tables", None)
        if result is not None:
            done(T("restored", **counts, safety=plain(str(result.safety))))
            st.rerun()


def _texts() -> dict:

    return TEXTS


# --- the audit log ----------------------------------------------------------------------------

#: The audit log's ``tabell`` values that name a kind of record.
AUDIT_KINDS = {"behov": "needs", "tilbud": "offers"}
#: The order of the fields of the other tables' entries (the log stores them sorted by name).
AUDIT_FIELDS = {"avviste_kandidater": ["tilbud_id", "grunn"]}


def audit_table(log: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The audit log (``storage.audit_log``) as a coordinator reads it: time in Norwegian time (dd.mm.yyyy HH:MM),
    who, the action as a word («Endret», «Importert»), the table, the record, the import it belongs to, and what
    changed field by field with labels and readable values («Antall deltakere: 8 → 12»), never the stored JSON."""
    columns = ("time", "user", "action", "table", "record", "batch", "change")
    rows = [
        (
            local_time(entry.tidspunkt, lang),
            _text(entry.bruker),
            _action(entry.handling, lang),
            _table_name(entry.tabell, lang),
            _text(entry.post_id),
            "" if entry.batch_id is None or pd.isna(entry.batch_id) else str(int(entry.batch_id)),
            audit_change(entry.tabell, entry.foer, entry.etter, lang),
        )
        for entry in log.itertuples(index=False)
    ]
    return pd.DataFrame(rows, columns=[t(f"audit_col_{c}", lang) for c in columns], dtype=object)


def audit_change(table: str, before: str | None, after: str | None, lang: str) -> str:
    """What an audit entry changed: ``Antall deltakere: 8 → 12; Status: Kartlagt → Koblet til tilbud`` for an
    edit, ``Ny post: Kommune: 5007 Namsos; …`` for a record added, ``Fjernet: …`` for a record removed."""
    old, new = _decoded(before), _decoded(after)
    if table == "alle" and new is not None and "fil" in new:
        return restore_change(old, new, lang)
    kind = AUDIT_KINDS.get(table)
    fields = [spec.name for spec in SPECS[kind]] if kind else AUDIT_FIELDS.get(table, [])
    order = {name: i for i, name in enumerate(fields)}

    def ordered(names) -> list[str]:  # the schema's order (the log stores the fields sorted by name)
        names = [name for name in dict.fromkeys(names) if not (kind and name == ID_COLUMN[kind])]
        return sorted(names, key=lambda name: order.get(name, len(order)))

    def listed(record: dict) -> str:
        return "; ".join(
            f"{_field(name, lang)}: {_value(kind, name, record[name], lang)}"
            for name in ordered(record)
            if record[name] is not None and record[name] != ""
        )

    if old is None and new is None:
        return ""
    if old is None:
        return t("audit_new_record", lang, fields=listed(new)) if kind else listed(new)
    if new is None:
        return t("audit_removed_record", lang, fields=listed(old))
    names = [name for name in ordered([*old, *new]) if old.get(name) != new.get(name)]
    if not names:
        return t("audit_no_field_changed", lang)
    return "; ".join(
        f"{_field(name, lang)}: {_value(kind, name, old.get(name), lang)} → {_value(kind, name, new.get(name), lang)}"
        for name in names
    )


def restore_change(before: dict | None, after: dict, lang: str) -> str:
    """A restore entry as a coordinator reads it: the file, its SHA-256, what the copy held, what the log gained,
    the safety backup written first and what was forced."""
    rows = after.get("rader") or {}
    forced = [
        t(f"audit_forced_{code}", lang) for code in after.get("tvunget") or [] if f"audit_forced_{code}" in _texts()
    ]
    stood = (before or {}).get("rader") or {}
    return t(
        "audit_restore",
        lang,
        file=_text(after.get("fil")),
        sha=_text(after.get("sha256"))[:16],
        needs=format_number(rows.get("behov", 0), lang),
        offers=format_number(rows.get("tilbud", 0), lang),
        audit=format_number(rows.get("endringslogg", 0), lang),
        added=format_number(after.get("logg_lagt_til", 0), lang),
        before_needs=format_number(stood.get("behov", 0), lang),
        before_offers=format_number(stood.get("tilbud", 0), lang),
        safety=_text(after.get("sikkerhetskopi_foer")),
        forced=t("audit_forced", lang, reasons=", ".join(forced)) if forced else "",
    )


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _decoded(stored) -> dict | None:
    if stored is None or (not isinstance(stored, str) and pd.isna(stored)) or not str(stored).strip():
        return None
    try:
        value = json.loads(stored)
    except ValueError:
        return {"_": str(stored)}
    return value if isinstance(value, dict) else {"_": value}


def _action(code, lang: str) -> str:
    key = f"audit_action_{code}"
    return t(key, lang) if key in _texts() else _text(code)


def _table_name(name, lang: str) -> str:
    if name in AUDIT_KINDS:
        return t(f"kind_{AUDIT_KINDS[name]}", lang)
    key = f"audit_table_{name}"
    return t(key, lang) if key in _texts() else _text(name)


def _field(name: str, lang: str) -> str:
    if name == "_":
        return t("audit_col_change", lang)
    key = f"audit_field_{name}"
    if key in _texts():
        return t(key, lang)
    try:
        return tables.header(name, lang)
    except KeyError:
        return name


def _spec(kind: str | None, name: str):
    """The column's spec in ``kind``'s schema (any schema for the rejected candidates' ``tilbud_id``)."""
    specs = SPECS[kind] if kind else [spec for specs in SPECS.values() for spec in specs]
    return next((spec for spec in specs if spec.name == name), None)


def _value(kind: str | None, name: str, value, lang: str) -> str:
    """One stored value (as the audit log's JSON holds it) in the reader's words."""
    if value is None or value == "":
        return t("value_empty", lang)
    if isinstance(value, bool):
        return t("value_yes" if value else "value_no", lang)
    spec = _spec(kind, name)
    if spec is not None and spec.kind == "code":
        return taxonomy.labels(_taxonomy_of(kind or "needs", spec), lang).get(str(value), str(value))
    if spec is not None and spec.kind == "kommune":
        return f"{value} {load_municipalities()['navn'].get(str(value), '')}".strip()
    if spec is not None and spec.kind == "date":
        try:
            return format_date(pd.Timestamp(value), lang)
        except (ValueError, TypeError):
            return shown(value)
    if isinstance(value, int):
        return format_number(value, lang)
    if isinstance(value, float):
        return format_number(value, lang, 0 if value.is_integer() else 2)
    return f"«{shown(value)}»"
