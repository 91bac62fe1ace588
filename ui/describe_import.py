"""Suggestions for a ``beskrivelse`` column in the import preview (issue 27): the coordinator accepts them one by
one or all at once and may correct the area; only accepted rows get an area from their text
(:mod:`kompilot_data.records.beskrivelse`)."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from kompilot_data.records import beskrivelse
from kompilot_data.reference import taxonomy
from ui.state import T, language, number

STATE = "_describe_import"


def _suggestions(data: bytes, filename: str) -> pd.DataFrame | None:
    """The file's suggestions, computed once per file (None: no description column, or the file cannot be read)."""
    key = hashlib.sha256(data).hexdigest()
    state = st.session_state.get(STATE)
    if state is None or state["key"] != key:
        read = beskrivelse.read(data, filename)
        table = None
        if read is not None and beskrivelse.description_column(read.frame):
            with st.spinner(T("describe_working")):
                table = beskrivelse.suggestions(read)
        state = {"key": key, "table": table, "all": False, "round": 0}
        st.session_state[STATE] = state
    return state["table"]


def review(data: bytes, filename: str) -> dict[int, str]:
    """Show the suggestions for the file's description column (if any); return the accepted areas
    ``{frame position: area code}`` for :func:`kompilot_data.records.beskrivelse.prepare`."""
    table = _suggestions(data, filename)
    if table is None or table.empty:
        return {}
    state = st.session_state[STATE]
    lang = language()
    areas = taxonomy.labels("kompetanseomrade", lang)
    by_label = {label: code for code, label in areas.items()}
    st.subheader(T("describe_title"), anchor=False)
    st.caption(T("describe_intro", n=len(table), most=number(beskrivelse.MAX_SUGGESTED_ROWS)))
    left, right, _ = st.columns([1, 1, 2])
    if left.button(T("describe_accept_all"), key="describe_all"):
        state.update(all=True, round=state["round"] + 1)
    if right.button(T("describe_accept_none"), key="describe_none"):
        state.update(all=False, round=state["round"] + 1)
    shown = pd.DataFrame(
        {
            "rad": table["rad"],
            "godta": state["all"],
            "omrade": [areas.get(code, "") for code in table["forslag_1"]],
            "beskrivelse": table["beskrivelse"],
            "forslag": [
                f"{areas.get(a, '')} ({number(s, 1)}) · {areas.get(b, '')} ({number(t, 1)})"
                for a, s, b, t in zip(
                    table["forslag_1"], table["score_1"], table["forslag_2"], table["score_2"], strict=True
                )
            ],
            "styrk": [" · ".join(f"{kode} {navn}" for kode, navn, _ in jobs) for jobs in table["styrk"]],
            "i_filen": table["i_filen"],
        }
    )
    edited = st.data_editor(
        shown,
        key=f"describe_editor_{state['key'][:12]}_{state['round']}",
        hide_index=True,
        width="stretch",
        disabled=["rad", "beskrivelse", "forslag", "styrk", "i_filen"],
        column_config={
            "rad": st.column_config.NumberColumn(T("describe_col_row"), width="small"),
            "godta": st.column_config.CheckboxColumn(T("describe_col_accept"), width="small"),
            "omrade": st.column_config.SelectboxColumn(
                T("describe_col_area"), options=list(areas.values()), required=True
            ),
            "beskrivelse": st.column_config.TextColumn(T("describe_col_text")),
            "forslag": st.column_config.TextColumn(T("describe_col_suggested")),
            "styrk": st.column_config.TextColumn(T("describe_col_styrk")),
            "i_filen": st.column_config.TextColumn(T("describe_col_file")),
        },
    )
    accepted = {
        int(position): by_label[label]
        for position, take, label in zip(table["posisjon"], edited["godta"], edited["omrade"], strict=True)
        if take and label in by_label
    }
    st.caption(T("describe_accepted", n=len(accepted), of=len(table)))
    return accepted
