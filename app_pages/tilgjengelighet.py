import os

import streamlit as st

import ui
from kompilot_data.reference.i18n import page_text

st.title(ui.T("accessibility_title"))
contact = os.environ.get("KOMPILOT_KONTAKT") or ui.T("accessibility_contact_default")
st.markdown(page_text("tilgjengelighet", ui.language()).format(contact=contact))
