"""The briefing as one standalone HTML file: plotly.js inline, no external requests, in the briefing's language.

Every block computed from demo records (headline figures, charts, tables) carries the demo label next to it;
real statistics carry their source and year instead.
"""

from __future__ import annotations

import html
from pathlib import Path

from plotly.offline import get_plotlyjs

from kompilot_data.present.briefing_model import Briefing, Step
from kompilot_data.reference.i18n import t

STYLE = """
body { font-family: "Source Sans Pro", Arial, sans-serif; color: #1B2733; max-width: 1200px; margin: 2em auto;
  padding: 0 1em; line-height: 1.4; }
h1 { font-size: 2.4em; margin-bottom: 0.1em; }
h2 { border-bottom: 3px solid #00509E; padding-bottom: 0.2em; margin-top: 2em; }
.finding { font-size: 1.3em; font-weight: 600; color: #00509E; }
.kpis { display: flex; gap: 1em; flex-wrap: wrap; margin: 1em 0; }
.kpi { background: #F2F5F8; padding: 0.8em 1em; flex: 1 1 12em; }
.kpi .value { font-size: 1.9em; font-weight: 700; color: #00509E; }
.kpi .label { font-weight: 600; } .kpi .comparison { margin-top: 0.2em; }
.kpi .source, .caption, .source { color: #555; font-size: 0.9em; }
.demo { display: inline-block; background: #B35900; color: #FFF; font-weight: 700; padding: 0.15em 0.6em;
  font-size: 0.85em; letter-spacing: 0.03em; }
.demo-note { background: #FFF3CD; padding: 0.6em; }
.block { margin: 1.2em 0; } .block-head { display: flex; gap: 1em; align-items: center; }
.block-head h3 { margin: 0.4em 0; }
table { border-collapse: collapse; width: 100%; }
td, th { padding: 0.35em 0.8em; border-bottom: 1px solid #DDD; text-align: left; }
details { margin-top: 0.6em; }
"""


def _demo(language: str, shown: bool) -> str:
    return f' <span class="demo">{html.escape(t("demo_tag", language))}</span>' if shown else ""


def _step(step: Step, language: str) -> str:
    parts = [f'<section id="{step.key}"><h2>{html.escape(step.title)}</h2>']
    if step.finding:
        parts.append(f'<p class="finding">{html.escape(step.finding)}{_demo(language, step.finding_demo)}</p>')
    if step.key_figures:
        demo = any(k.demo for k in step.key_figures)
        cards = []
        for figure in step.key_figures:
            extra = "".join(
                f'<div class="{kind}">{html.escape(text)}</div>'
                for kind, text in (("comparison", figure.comparison), ("source", figure.source))
                if text
            )
            cards.append(
                f'<div class="kpi"><div class="value">{html.escape(figure.value)}</div>'
                f'<div class="label">{html.escape(figure.label)}</div>{extra}</div>'
            )
        parts.append(f'<div class="block">{_demo(language, demo)}<div class="kpis">{"".join(cards)}</div></div>')
    config = {"displaylogo": False, "responsive": True}
    for item in step.figures:
        figure = item.plotly(height=620 if item.is_map else 520)
        parts.append(
            f'<div class="block figure">{_demo(language, item.demo)}'
            + figure.to_html(full_html=False, include_plotlyjs=False, config=config)
            + "</div>"
        )
    for table in step.tables:
        body = table.frame.to_html(index=False, escape=True, border=0) if len(table.frame) else ""
        parts.append(
            f'<div class="block"><div class="block-head"><h3>{html.escape(table.title)}</h3>'
            f"{_demo(language, table.demo)}</div>{body}"
            f'<p class="caption">{html.escape(table.caption)}</p><p class="source">{html.escape(table.source)}</p></div>'
        )
    if step.notes:
        parts.append(
            f"<details><summary>{html.escape(t('briefing_definitions', language))}</summary>"
            + "".join(f"<p>{html.escape(n)}</p>" for n in step.notes)
            + "</details>"
        )
    parts.append("</section>")
    return "".join(parts)


def write_html(briefing: Briefing, path: Path | str) -> Path:
    """A standalone HTML file: interactive charts with plotly.js inline, no external requests."""
    language = briefing.language
    demo = f'<p class="demo-note">{html.escape(t("briefing_demo_note", language))}</p>' if briefing.demo else ""
    sources = "".join(f"<li>{html.escape(s)}</li>" for s in briefing.sources)
    document = f"""<!DOCTYPE html>
<html lang="{"nb" if language == "nb" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(t("app_title", language))} – {html.escape(briefing.region_name)}</title>
<style>{STYLE}</style>
<script>{get_plotlyjs()}</script>
</head><body>
<h1>{html.escape(briefing.region_name)}</h1>
<p>{html.escape(t("app_title", language))} · {html.escape(briefing.subtitle)}</p>
{demo}
{"".join(_step(step, language) for step in briefing.steps)}
<section id="kilder"><h2>{html.escape(t("briefing_sources", language))}</h2><ul>{sources}</ul></section>
</body></html>
"""
    path = Path(path)
    path.write_text(document, encoding="utf-8")
    return path
