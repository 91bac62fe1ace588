"""The briefing as one standalone HTML file (plotly.js inline, no external requests)."""

from __future__ import annotations

import html
from pathlib import Path

from kompilot_data.i18n import format_date, t
from kompilot_data.present.briefing import STEP_TITLES, STEPS, Briefing


def write_html(briefing: Briefing, path: Path | str) -> Path:
    """A standalone HTML file: interactive charts with plotly.js inline, no external requests."""
    from plotly.offline import get_plotlyjs

    nb = briefing.language == "nb"
    parts = []
    config = {"displaylogo": False, "responsive": True}
    for step in STEPS:
        key_figures, step_figures, step_tables = briefing.for_step(step)
        parts.append(f"<section><h2>{html.escape(STEP_TITLES[step][briefing.language])}</h2>")
        if key_figures:
            parts.append(
                '<div class="kpis">'
                + "".join(
                    f'<div class="kpi"><div class="value">{html.escape(v)}</div><div class="label">{html.escape(label)}</div></div>'
                    for _, label, v in key_figures
                )
                + "</div>"
            )
        for item in step_figures:
            parts.append(f"<h3>{html.escape(item.title)}</h3>")
            parts.append(item.figure.to_html(full_html=False, include_plotlyjs=False, config=config))
        for item in step_tables:
            parts.append(f"<h3>{html.escape(item.title)}</h3>" + item.frame.to_html(index=False, escape=True, border=0))
        parts.append("</section>")
    demo = f'<p class="demo">{html.escape(t("demo_badge", briefing.language))}</p>' if briefing.demo else ""
    document = f"""<!DOCTYPE html>
<html lang="{"nb" if nb else "en"}"><head><meta charset="utf-8">
<title>Kompetansepilot Trøndelag – {html.escape(briefing.region_name)}</title>
<style>
body {{ font-family: Arial, sans-serif; color: #1B2733; max-width: 1200px; margin: 2em auto; padding: 0 1em; }}
h1 {{ font-size: 2.4em; margin-bottom: 0.1em; }} h2 {{ border-bottom: 3px solid #00509E; padding-bottom: 0.2em; margin-top: 2em; }}
.kpis {{ display: flex; gap: 1.5em; flex-wrap: wrap; }} .kpi {{ background: #F2F5F8; padding: 1em; min-width: 12em; }}
.kpi .value {{ font-size: 1.8em; font-weight: bold; color: #00509E; }} .demo {{ background: #FFF3CD; padding: 0.6em; }}
table {{ border-collapse: collapse; }} td, th {{ padding: 0.3em 0.8em; border-bottom: 1px solid #DDD; text-align: left; }}
</style>
<script>{get_plotlyjs()}</script>
</head><body>
<h1>{html.escape(briefing.region_name)}</h1>
<p>Kompetansepilot Trøndelag · {format_date(briefing.made, briefing.language)}</p>
{demo}
{"".join(parts)}
<section><h2>{"Kilder" if nb else "Sources"}</h2><ul>{"".join(f"<li>{html.escape(s)}</li>" for s in briefing.sources)}</ul></section>
</body></html>
"""
    path = Path(path)
    path.write_text(document, encoding="utf-8")
    return path
