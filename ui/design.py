"""Information design and accessibility furniture shared by the pages (issue 14).

* :func:`page_style` – one style block: text contrast of at least 4.5:1 (captions included), a visible keyboard
  focus on every control, section headings a step below the page title, key figures two to a row on a phone,
  and the desktop/phone variants of a chart (:func:`responsive`).
* :func:`sidebar_navigation` – the page menu as links under group headings (Streamlit's own sectioned menu
  puts ``<div>`` and ``<header>`` elements directly inside its ``<ul>``, which screen readers cannot read as a
  list; axe-core reports it as a serious violation).
* :func:`section` – a section heading (``<h2>``, so headings never skip a level after the page's ``<h1>``).
* :func:`key_figures` – a block of key figures with its source line and, when the figures are computed from
  demo data, a visible demo tag beside them.
* :func:`chart_alternative` – the text alternative of a chart: a short summary and the data table behind it
  in an expander, in the reader's language.
* :func:`show_table` / :func:`display` / :func:`record_card` – tables as a reader sees them
  (:mod:`kompilot_data.present.tables`): translated headers, labels for codes, dd.mm.yyyy, blanks, ja/nei.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from kompilot_data.present import tables
from ui.state import T, language

#: Text colour for captions and other secondary text: 7.4:1 on white, 6.8:1 on the sidebar's #F2F5F8.
SECONDARY_TEXT = "#4A5563"
FOCUS = "#00509E"

STYLE = f"""
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] [data-testid="stCaptionContainer"] {{ color: {SECONDARY_TEXT} !important; }}
[data-testid="stMainBlockContainer"] {{ padding-top: 3rem; }}
[data-testid="stMain"] h1 {{ font-size: 2.1rem; }}
[data-testid="stMain"] h2 {{ font-size: 1.45rem; padding-top: 0.9rem; }}
[data-testid="stMain"] h3 {{ font-size: 1.15rem; }}
a:focus-visible, button:focus-visible, summary:focus-visible, input:focus-visible, textarea:focus-visible,
[role="tab"]:focus-visible, [role="slider"]:focus-visible, [role="button"]:focus-visible,
[role="combobox"]:focus-visible, [tabindex]:focus-visible {{
  outline: 3px solid {FOCUS} !important; outline-offset: 2px !important;
}}
.st-key-kompilot_nav p.kompilot-nav-group {{
  margin: 0.9rem 0 0.1rem 0; font-size: 0.85rem; font-weight: 600; color: {SECONDARY_TEXT};
}}
.st-key-kompilot_nav [data-testid="stPageLink"] a {{ padding-top: 0.1rem; padding-bottom: 0.1rem; }}
[class*="st-key-kpis"] [data-testid="stMetric"] {{ min-width: 8.5rem; }}
[class*="st-key-kpis"] > div {{ flex: 1 1 8.5rem; }}
[data-testid="stMetricLabel"] p {{ white-space: normal !important; overflow-wrap: anywhere; }}
[data-testid="stMetricLabel"] > div {{ overflow: visible !important; }}
[class*="st-key-phone_"] {{ display: none !important; }}
@media (max-width: 640px) {{
  [class*="st-key-kpis"] > div {{ flex: 1 1 40%; min-width: 40% !important; }}
  [class*="st-key-desktop_"] {{ display: none !important; }}
  [class*="st-key-phone_"] {{ display: flex !important; }}
  [data-testid="stMain"] h1 {{ font-size: 1.7rem; }}
}}
</style>
"""


def page_style() -> None:
    """The app's style block (no JavaScript): contrast, focus, headings, key figures, desktop/phone variants."""
    st.html(STYLE)


def sidebar_navigation(groups: dict[str, list]) -> None:
    """The page menu: one group heading (text) and one link per page, in the sidebar."""
    with st.sidebar, st.container(key="kompilot_nav", gap=None):
        for label, pages in groups.items():
            st.html(f'<p class="kompilot-nav-group">{html.escape(label)}</p>')
            for page in pages:
                st.page_link(page, width="stretch")


def section(text: str) -> None:
    """A section heading of a page (``<h2>``)."""
    st.header(text, anchor=False)


def demo_tag() -> None:
    """The visible demo tag beside figures computed from demo data."""
    st.badge(T("demo_tag"), icon=":material/science:", color="orange")


def key_figures(
    items: Iterable[tuple[str, ...]],
    *,
    source: str | None = None,
    demo: bool = False,
    key: str = "kpis",
) -> None:
    """Key figures side by side (two to a row on a phone), the demo tag when they are built on demo data,
    and their source line under them. Each item is (label, value[, help[, comparison]]); a comparison
    ("Trøndelag: 4,4 %") is shown under the value in grey, without an arrow."""
    if demo:
        demo_tag()
    with st.container(key=key, horizontal=True, gap="medium"):
        for item in items:
            label, value, help_text, comparison = (*item, None, None)[:4]
            st.metric(label, value, delta=comparison, delta_color="off", delta_arrow="off", help=help_text)
    if source:
        st.caption(source)


def display(frame: pd.DataFrame, kind: str | None = None, columns: list[str] | None = None, **names) -> pd.DataFrame:
    """``frame`` as a reader sees it in the current language (:func:`kompilot_data.present.tables.display_table`)."""
    return tables.display_table(frame, language(), kind=kind, columns=columns, names=names or None)


def show_table(frame: pd.DataFrame, *, alt: str | None = None, key: str | None = None, **kwargs):
    """A read-only table, already in display form (:func:`display`): missing values are blank."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    return st.dataframe(frame, placeholder="", alt=alt, key=key, **kwargs)


def chart_alternative(title: str, table: pd.DataFrame, summary: str | None = None) -> None:
    """The text alternative under a chart: its summary and the data table behind it, in an expander."""
    with st.expander(T("chart_data", title=title), icon=":material/table:"):
        if summary:
            st.markdown(summary)
        show_table(table, alt=summary)


def record_card(record: pd.Series, kind: str | None = None, title: str | None = None) -> None:
    """One record as a card: label and value per filled field, in two columns."""
    pairs = tables.record_card(record, language(), kind=kind)
    with st.container(border=True):
        if title:
            st.markdown(f"**{title}**")
        left, right = st.columns(2)
        half = (len(pairs) + 1) // 2
        for column, part in ((left, pairs[:half]), (right, pairs[half:])):
            column.markdown("\n".join(f"- **{_md(label)}:** {_md(value)}" for label, value in part))


def _md(text: str) -> str:
    """Text shown as Markdown literally (no emphasis, links or HTML from data)."""
    return html.escape(str(text)).replace("*", "\\*").replace("_", "\\_").replace("[", "\\[").replace("`", "\\`")


@contextmanager
def responsive(key: str, phone: bool):
    """A container shown only on a desktop (``phone=False``) or only on a phone (``phone=True``), by CSS."""
    with st.container(key=f"{'phone' if phone else 'desktop'}_{key}"):
        yield


def offers_in_reach(view) -> int:
    """Active offers that reach at least one municipality of the selection (online and in-company offers
    reach every municipality): the count behind "open needs with an offer within reach", so the two key
    figures never contradict each other (a place can have no offer of its own and still have offers in reach)."""
    reach = view.reach
    if reach.reachable.size == 0:
        return 0
    rows = reach.municipalities.isin(view.places) if view.places is not None else slice(None)
    return int(reach.reachable[rows].any(axis=0).sum())
