"""Presentation mode furniture: a fixed 16:9 projector layout and keyboard navigation done in the page.

* :func:`projector_layout` – CSS: no sidebar, header or toolbar; the page is one viewport high, a column of
  keyed containers (``present_head``, ``present_kpis``, ``present_body``, ``present_nav``) where the body takes
  the height that is left, so the main chart is sized to it and the navigation stays pinned at the bottom.
  Sizes follow the viewport (``vh``), so 1920×1080 and 1366×768 look the same, only larger or smaller.
* :func:`keyboard_navigation` – one key listener in the page: → and PageDown press "Neste", ← and PageUp press
  "Forrige" (the buttons set ``steg`` in the URL), Esc follows the "Avslutt" link. This is what presentation
  clickers send.
"""

from __future__ import annotations

import streamlit as st

CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] { display: none !important; }
[data-testid="stAppViewContainer"], [data-testid="stMain"] { overflow: hidden !important; }
[data-testid="stMainBlockContainer"] {
  padding: 1.6vh 2.4vw 1.2vh 2.4vw !important; max-width: 100vw !important; height: 100vh; box-sizing: border-box;
}
[data-testid="stMainBlockContainer"] > div, [data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] {
  height: 100%;
}
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] {
  display: flex; flex-direction: column; flex-wrap: nowrap; gap: 1.2vh; min-height: 0;
}
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] > div:has(> .stHtml:only-child) {
  display: none;
}
.st-key-present_head, .st-key-present_kpis, .st-key-present_nav { flex: 0 0 auto; gap: 0.6vh; }
.st-key-present_body { flex: 1 1 0 !important; min-height: 0; height: auto !important; overflow: hidden; }
.st-key-present_body > [data-testid="stLayoutWrapper"] { flex: 1 1 0; min-height: 0; }
.st-key-present_body [data-testid="stHorizontalBlock"] { height: 100%; flex-wrap: nowrap; }
.st-key-present_body [data-testid="stColumn"] { height: 100%; min-height: 0; }
.st-key-present_body [data-testid="stColumn"] > [data-testid="stVerticalBlock"] { height: 100%; min-height: 0; }
.st-key-present_body [data-testid="stElementContainer"]:has(.stPlotlyChart) { flex: 1 1 0; min-height: 0; }
.st-key-present_head h1 { font-size: 4.6vh !important; line-height: 1.15; padding: 0 !important; margin: 0 !important; }
.st-key-present_head [data-testid="stHeadingWithActionElements"] a { display: none; }
.present-title-row { display: flex; align-items: center; justify-content: space-between; gap: 2vw; }
.present-finding { font-size: 2.9vh; font-weight: 600; color: #00509E; line-height: 1.25; margin: 0; }
.present-demo { background: #B35900; color: #FFFFFF; font-weight: 700; padding: 0.4vh 0.9vw; font-size: 2vh;
  letter-spacing: 0.03em; white-space: nowrap; }
.st-key-present_kpis [data-testid="stHorizontalBlock"] { flex-wrap: nowrap; gap: 1.6vw; }
.st-key-present_kpis [data-testid="stColumn"] { min-width: 0; }
.st-key-present_kpis [data-testid="stMetric"] { padding: 0; }
.st-key-present_kpis [data-testid="stMetricLabel"], .st-key-present_kpis [data-testid="stMetricLabel"] * {
  font-size: 2.1vh !important; line-height: 1.2; white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; max-width: none !important;
}
.st-key-present_kpis [data-testid="stMetricValue"], .st-key-present_kpis [data-testid="stMetricValue"] * {
  font-size: 5.2vh !important; line-height: 1.1; font-weight: 700; color: #00509E; white-space: nowrap !important;
  overflow: visible !important; text-overflow: clip !important;
}
.present-comparison { font-size: 2.1vh; line-height: 1.25; margin: 0; color: #1B2733; }
.present-source { font-size: 1.6vh; line-height: 1.25; margin: 0; color: #444; }
.present-kpi-demo { font-size: 1.5vh; font-weight: 700; color: #B35900; margin: 0; }
.present-table-title { font-size: 2.3vh; font-weight: 700; margin: 0 0 0.6vh 0; }
table.present-table { width: 100%; border-collapse: collapse; }
table.present-table th, table.present-table td { font-size: 2vh; padding: 0.55vh 0.5vw; border-bottom: 1px solid #DDD;
  text-align: left; }
table.present-table td.number, table.present-table th.number { text-align: right; }
.present-chart-source { font-size: 1.7vh; color: #333; margin: 0; line-height: 1.3; }
.st-key-present_body [data-testid="stVerticalBlock"] { gap: 0.4vh; }
.st-key-present_kpis [data-testid="stColumn"] [data-testid="stVerticalBlock"] { gap: 0.3vh; }
.present-caption { font-size: 1.7vh; color: #444; margin: 0.6vh 0 0 0; }
.present-empty { font-size: 2.4vh; color: #1B2733; }
.st-key-present_nav [data-testid="stHorizontalBlock"] { align-items: center; flex-wrap: nowrap; }
.st-key-present_nav button { min-height: 5vh; }
.st-key-present_nav button p, .st-key-present_nav a p { font-size: 2.2vh !important; }
.present-counter { text-align: center; font-size: 2.4vh; font-weight: 600; margin: 0; }
.present-keys { font-size: 1.5vh; color: #555; text-align: center; margin: 0; }
</style>
"""

SCRIPT = """
<script>
(function () {
  if (window.__kompilotPresentationKeys) { return; }
  window.__kompilotPresentationKeys = true;
  var actions = {
    ArrowRight: ".st-key-present_next button", PageDown: ".st-key-present_next button",
    ArrowLeft: ".st-key-present_previous button", PageUp: ".st-key-present_previous button",
    Escape: ".st-key-present_exit a"
  };
  window.addEventListener("keydown", function (event) {
    var selector = actions[event.key];
    if (!selector || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    if (!document.querySelector(".st-key-present_nav")) { return; }  // not in presentation mode
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
    if (event.key === "Escape" && document.querySelector('[data-testid="stPopoverBody"]')) { return; }
    var control = document.querySelector(selector);
    event.preventDefault();
    if (control && !control.disabled) { control.click(); }
  }, true);
})();
</script>
"""


def projector_layout() -> None:
    """The fixed 16:9 layout (see the module text)."""
    st.html(CSS)


def keyboard_navigation() -> None:
    """→/PageDown forward, ←/PageUp back, Esc leaves (see the module text); installed once per browser tab."""
    st.html(SCRIPT, unsafe_allow_javascript=True)
