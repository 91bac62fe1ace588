"""A small page for the AppTests of ui/brokering.py (tests/test_brokering.py): one brokering component at a time.

Query parameters: ``del`` = ``kandidat`` (the candidate cards of need ``behov``), ``behov`` (the need's card),
``kurs`` (course opportunities with ``min`` as the minimum class size); ``lang`` = ``nb`` or ``en``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st

import ui
from ui import brokering
from ui.state import LANGUAGE_KEY

params = st.query_params
st.session_state[LANGUAGE_KEY] = params.get("lang", "nb")
view = ui.view()
part = params.get("del", "kandidat")
if part == "kandidat":
    # Records as the pages read them (issue 23): a sub-region's coordinator reads only that sub-region's needs.
    view = ui.records_view() or view
    found = view.open_needs[view.open_needs["behov_id"] == params["behov"]] if "behov_id" in view.open_needs else []
    if not len(found):
        st.caption("Behovet kan ikke leses.")
        st.stop()
    need = found.iloc[0]
    offers = view.all_offers.set_index("tilbud_id", drop=False)
    for candidate in view.brokering.candidates[view.brokering.candidates["behov_id"] == need["behov_id"]].itertuples(index=False):
        offer = offers.loc[candidate.tilbud_id]
        with st.container(border=True):
            st.markdown(f"**{int(candidate.rang)}. {candidate.tilbud_id}**")
            brokering.candidate_actions(view, need, candidate, offer)
elif part == "behov":
    need = view.all_needs[view.all_needs["behov_id"] == params["behov"]].iloc[0]
    brokering.need_actions(view, need)
elif part == "kurs":
    min_class = int(params.get("min", 4))
    brokering.pool_actions(view, view.brokering.pools(min_class), min_class)
