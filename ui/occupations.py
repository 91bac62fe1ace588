"""The mismatch page's section on occupations (issue 27): needs by confirmed STYRK-08 occupation beside NAV's
employer-survey shortage for the same occupations (:func:`kompilot_data.view.occupations.needs_by_occupation`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kompilot_data.engine.disclosure import marker
from kompilot_data.view import occupations
from ui.cached import confirmed_occupations, files_mode
from ui.design import section, show_table
from ui.state import T, language, number

SHOWN = 25
"""Occupations shown: NAV's largest shortages, then every occupation confirmed for a need."""


def occupation_section(view) -> None:
    """Needs by occupation beside NAV's shortage, with source and year."""
    section(T("styrk_title"))
    confirmed = pd.DataFrame(columns=["behov_id", "styrk"]) if files_mode() else confirmed_occupations()
    table = occupations.needs_by_occupation(view, confirmed)
    with_needs = table["behov"].fillna(1) > 0
    shown = table[with_needs | (table.index < SHOWN)]
    st.markdown(T("styrk_intro"))
    lang = language()

    def count(value, hidden) -> str:
        return marker(True, view.threshold) if hidden else number(value)

    frame = pd.DataFrame(
        {
            T("styrk_col_code"): shown["styrk"],
            T("styrk_col_name"): shown["yrke"],
            T("styrk_col_needs"): [count(v, h) for v, h in zip(shown["behov"], shown["skjult"], strict=True)],
            T("styrk_col_participants"): [
                count(v, h) for v, h in zip(shown["deltakere"], shown["skjult"], strict=True)
            ],
            T("styrk_col_nav"): [number(v) for v in shown["nav_mangel"]],
            T("styrk_col_nav_norway"): [number(v) for v in shown["nav_mangel_norge"]],
        }
    )
    show_table(frame, alt=T("styrk_title"), key="styrk_tabell")
    confirmed_needs = occupations.confirmed_need_count(view, confirmed)
    st.caption(
        T(
            "styrk_source",
            source=occupations.shortage_source(lang),
            needs=number(confirmed_needs) if confirmed_needs is not None else marker(False, view.threshold),
        )
    )
