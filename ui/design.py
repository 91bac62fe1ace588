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
import json
import re
from collections.abc import Iterable
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from kompilot_data.present import tables
from kompilot_data.present.safe_text import plain
from ui.state import T, language

#: Text colour for captions and other secondary text: 7.4:1 on white, 6.8:1 on the sidebar's #F2F5F8.
SECONDARY_TEXT = "#4A5563"
FOCUS = "#00509E"

STYLE = f"""
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] [data-testid="stCaptionContainer"] {{
  color: {SECONDARY_TEXT} !important; opacity: 1 !important;
}}
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
.dvn-scroller:focus, .dvn-scroller:focus-visible {{ outline: 3px solid {FOCUS} !important; outline-offset: -3px; }}
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
            st.markdown(f"**{plain(title)}**")
        left, right = st.columns(2)
        for column, text in zip((left, right), record_card_markdown(pairs), strict=True):
            column.markdown(text)


def record_card_markdown(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """The Markdown of a record card's two columns: one list item per (label, value), the first half of the
    pairs on the left. Labels and values go through :func:`kompilot_data.present.safe_text.plain`: an offer
    titled ``**fet** [lenke](http://x)`` or ``<img src=x onerror=…>`` shows as written, never as bold, a link,
    an image or HTML."""
    half = (len(pairs) + 1) // 2
    return tuple(
        "\n".join(f"- **{plain(label)}:** {plain(value)}" for label, value in part)
        for part in (pairs[:half], pairs[half:])
    )


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


#: Streamlit's own English interface strings (its widgets have no setting for them in 1.67) and their bokmål:
#: exact texts, for aria-label, title, placeholder and the text of a few elements.
STREAMLIT_NB = {
    "Skip to main content": "Hopp til hovedinnholdet",
    "Choose date": "Velg dato",
    "Link to heading": "Lenke til overskriften",
    "Show/hide columns": "Vis eller skjul kolonner",
    "Search": "Søk",
    "Fullscreen": "Fullskjerm",
    "Close fullscreen": "Lukk fullskjerm",
    "Add row": "Legg til rad",
    "Delete row(s)": "Slett rad(er)",
    "Upload": "Last opp",
    "file upload": "filopplasting",
    "Browse files": "Velg fil",
    "Drag and drop file here": "Dra og slipp filen her",
    "Choose an option": "Velg",
    "Open": "Åpne",
    "Close": "Lukk",
    "Clear all": "Fjern alle",
    "Clear value": "Fjern verdien",
    "Collapse sidebar": "Skjul sidepanelet",
    "Expand sidebar": "Vis sidepanelet",
    "Sidebar": "Sidepanel",
    "Running...": "Kjører …",
    "No results": "Ingen treff",
}
#: Patterns of Streamlit's strings with a part to keep: (regular expression, bokmål with \\1 for the part).
STREAMLIT_NB_PATTERNS = [
    (r"^Help for (.+)$", r"Hjelp til \1"),
    (r"^day, (.+)$", r"dag, \1"),
    (r"^month, (.+)$", r"måned, \1"),
    (r"^year, (.+)$", r"år, \1"),
    (r"^Show/hide columns: (.+)$", r"Vis eller skjul kolonner: \1"),
    (r"^Search: (.+)$", r"Søk: \1"),
    (r"^Fullscreen: (.+)$", r"Fullskjerm: \1"),
    (r"^(\d+)MB per file • (.+)$", r"Høyst \1 MB per fil • \2"),
]

LOCALISE_SCRIPT = """
<script>
(() => {
  const setup = window.__kompilotLocale || (window.__kompilotLocale = {});
  setup.exact = %(exact)s;
  setup.patterns = %(patterns)s.map(([p, r]) => [new RegExp(p), r]);
  const translate = (text) => {
    if (!text) return null;
    if (Object.prototype.hasOwnProperty.call(setup.exact, text)) return setup.exact[text];
    for (const [pattern, replacement] of setup.patterns) {
      if (pattern.test(text)) return text.replace(pattern, replacement.replace(/\\\\(\\d)/g, '$$$1'));
    }
    return null;
  };
  const apply = (root) => {
    root.querySelectorAll('[aria-label],[title],[placeholder],[data-title]').forEach((e) => {
      for (const name of ['aria-label', 'title', 'placeholder', 'data-title']) {
        const done = translate(e.getAttribute(name));
        if (done !== null && done !== e.getAttribute(name)) e.setAttribute(name, done);
      }
    });
    root.querySelectorAll(
      '[data-testid=stSkipToContent], [data-testid=stFileUploaderDropzone] p, ' +
      '[data-testid=stFileUploaderDropzoneInstructions] span'
    ).forEach((e) => {
      if (e.children.length) return;
      const done = translate(e.textContent.trim());
      if (done !== null && done !== e.textContent) e.textContent = done;
    });
  };
  if (!setup.observer) {
    setup.observer = new MutationObserver(() => setup.enabled && apply(document.body));
    setup.observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                           attributeFilter: ['aria-label', 'title', 'placeholder', 'data-title']});
  }
  setup.enabled = %(enabled)s;
  document.documentElement.lang = '%(lang)s';  // the page's language for screen readers (WCAG 3.1.1)
  if (setup.enabled) apply(document.body);
})();
</script>
"""

def localise_streamlit() -> None:
    """Streamlit's own interface strings (date picker, table toolbar, file uploader, skip link …) in bokmål
    when the app is in bokmål: a small script that rewrites their labels as they appear. Streamlit 1.67 has
    no setting for them; the page's own texts never pass through here. The script also sets the page's
    language (``<html lang>``), which Streamlit leaves at "en"."""
    enabled = language() == "nb"
    st.html(
        LOCALISE_SCRIPT
        % {
            "exact": json.dumps(STREAMLIT_NB if enabled else {}, ensure_ascii=False),
            "patterns": json.dumps(STREAMLIT_NB_PATTERNS if enabled else [], ensure_ascii=False),
            "enabled": "true" if enabled else "false",
            "lang": "nb" if enabled else "en",
        },
        unsafe_allow_javascript=True,
    )


#: Plotly's mode bar and date texts in bokmål, passed with every chart (``config.locales``): no locale file is
#: fetched, so it works offline.
PLOTLY_NB = {
    "dictionary": {
        "Download plot as a PNG": "Last ned figuren som PNG",
        "Download plot as a png": "Last ned figuren som PNG",
        "Download plot": "Last ned figuren",
        "Zoom": "Zoom",
        "Pan": "Panorer",
        "Box Select": "Velg med rektangel",
        "Lasso Select": "Velg med lasso",
        "Zoom in": "Zoom inn",
        "Zoom out": "Zoom ut",
        "Autoscale": "Tilpass automatisk",
        "Reset axes": "Tilbakestill aksene",
        "Reset view": "Tilbakestill visningen",
        "Reset views": "Tilbakestill visningene",
        "Reset camera to default": "Tilbakestill kameraet",
        "Toggle Spike Lines": "Vis eller skjul hjelpelinjer",
        "Show closest data on hover": "Vis nærmeste verdi ved pekeren",
        "Compare data on hover": "Sammenlign verdier ved pekeren",
        "Produced with Plotly.js": "Laget med Plotly.js",
        "Snapshot succeeded": "Bildet er lagret",
        "Taking snapshot - this may take a few seconds": "Lager bilde – det kan ta noen sekunder",
        "Double-click to zoom back out": "Dobbeltklikk for å zoome ut igjen",
        "Click to enter Colorscale title": "Klikk for å skrive tittel på fargeskalaen",
        "Click to enter Plot title": "Klikk for å skrive tittel på figuren",
        "Click to enter X axis title": "Klikk for å skrive tittel på x-aksen",
        "Click to enter Y axis title": "Klikk for å skrive tittel på y-aksen",
        "Fullscreen": "Fullskjerm",
    },
    "format": {
        "days": ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"],
        "shortDays": ["søn", "man", "tir", "ons", "tor", "fre", "lør"],
        "months": [
            "januar",
            "februar",
            "mars",
            "april",
            "mai",
            "juni",
            "juli",
            "august",
            "september",
            "oktober",
            "november",
            "desember",
        ],
        "shortMonths": ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"],
        "date": "%d.%m.%Y",
        "decimal": ",",
        "thousands": "\u202f",
    },
}


def chart_config(lang: str | None = None) -> dict:
    """Plotly config keys for the reader's language: the mode bar and date texts in bokmål (``locale`` with
    its dictionary sent along, so nothing is fetched)."""
    lang = lang or language()
    if lang != "nb":
        return {"locale": "en"}
    return {"locale": "nb", "locales": {"nb": PLOTLY_NB}}


def chart_file_word(fig) -> str | None:
    """The chart's title (what it counts, in the reader's language) as a file-name part, e.g.
    ``deltakere-i-behov-per-kompetanseomrade``; None for a chart without a title."""
    title = fig.layout.title.text if fig.layout.title and fig.layout.title.text else None
    if not title:
        return None
    text = title.replace("<br>", " ").lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    words = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return words[:60].rstrip("-") or None


def header_config(columns) -> dict:
    """``column_config`` that shows each raw column under its translated header (for tables that must keep
    their raw columns, such as an editor whose edits are saved by column name)."""
    lang = language()
    return {column: st.column_config.Column(tables.header(column, lang)) for column in columns}
