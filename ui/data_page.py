"""Parts of the Data page (coordinators): the import preview with the choice for records edited in the app, the
table editor's frame (drop-downs with labels, number limits, dates, search) and the import batch table.

User text (ids, file names, cell values) is shown through ``safe_text.plain``.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from kompilot_data.i18n import format_date
from kompilot_data.present.safe_text import plain, plain_lines
from kompilot_data.records import importer, storage
from kompilot_data.records.schema import ID_COLUMN, SPECS, text_limit
from kompilot_data.reference import load_municipalities, taxonomy
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

PREVIEW_KEY = "_import_preview"
CONFLICT_CHOICE = "import_conflict_choice"
SHOWN_CHANGES = 200


# --- import preview ---------------------------------------------------------------------------


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
    """The records as the table editor shows them (indexed by id) and its column configuration: drop-downs with
    labels for code columns and the municipality («5007 Namsos»), number columns with their limits, date columns
    (dd.mm.yyyy), yes/no as a checkbox and text with its length limit."""
    id_column = ID_COLUMN[kind]
    names = load_municipalities()["navn"]
    frame = pd.DataFrame(index=pd.Index(records[id_column].astype(str).tolist(), name=id_column))
    config: dict[str, object] = {}
    for spec in SPECS[kind]:
        if spec.name == id_column:
            continue
        values = records[spec.name]
        help_text = spec.description_nb if lang == "nb" else spec.description_en
        common = {"help": help_text, "required": spec.required}
        if spec.kind == "code":
            labels = taxonomy.labels(_taxonomy_of(kind, spec), lang)
            frame[spec.name] = values.astype(object).where(values.notna(), None).tolist()
            config[spec.name] = st.column_config.SelectboxColumn(
                spec.name,
                options=list(labels),
                format_func=lambda code, labels=labels: labels.get(code, code),
                **common,
            )
        elif spec.kind == "kommune":
            frame[spec.name] = values.astype(object).where(values.notna(), None).tolist()
            config[spec.name] = st.column_config.SelectboxColumn(
                spec.name,
                options=list(names.index),
                format_func=lambda code: f"{code} {names.get(code, '')}".strip(),
                **common,
            )
        elif spec.kind in ("int", "float"):
            frame[spec.name] = values.astype("Float64" if spec.kind == "float" else "Int64").to_numpy()
            config[spec.name] = st.column_config.NumberColumn(
                spec.name,
                min_value=spec.minimum,
                max_value=spec.maximum,
                step=1 if spec.kind == "int" else None,
                format="%d" if spec.kind == "int" else None,
                **common,
            )
        elif spec.kind == "date":
            frame[spec.name] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in values]
            config[spec.name] = st.column_config.DateColumn(
                spec.name, format="DD.MM.YYYY" if lang == "nb" else "YYYY-MM-DD", **common
            )
        elif spec.kind == "bool":
            frame[spec.name] = values.astype(bool).to_numpy()
            config[spec.name] = st.column_config.CheckboxColumn(spec.name, help=help_text)
        else:
            frame[spec.name] = values.astype(object).where(values.notna(), None).tolist()
            config[spec.name] = st.column_config.TextColumn(spec.name, max_chars=text_limit(spec), **common)
    config["_index"] = st.column_config.TextColumn(id_column, help=T("edit_id_help"), required=True)
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


# --- import batches ---------------------------------------------------------------------------


def batch_table(batches: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The imports as a coordinator reads them: import, file, time, who, table, counts and whether it was undone
    (no hash)."""
    kinds = {"needs": T("kind_needs"), "offers": T("kind_offers")}

    def when(value) -> str:
        if value is None or pd.isna(value):
            return ""
        stamp = pd.Timestamp(value)
        return f"{format_date(stamp, lang)} {stamp:%H:%M}"

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


def changed_lines(changed: pd.DataFrame, lang: str) -> list[str]:
    """One line per record changed since an import: ``B1: endret i appen av …, 27.11.2026``."""
    lines = []
    for row in changed.itertuples(index=False):
        how = row.handling if f"changed_how_{row.handling}" in _texts() else "endring"
        when = format_date(row.endret, lang) if row.endret is not None and not pd.isna(row.endret) else ""
        lines.append(f"{row.post_id}: " + T(f"changed_how_{how}", user=row.endret_av or "?", date=when))
    return lines


def _texts() -> dict:
    from kompilot_data.i18n import TEXTS

    return TEXTS
