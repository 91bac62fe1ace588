"""The look of every plotly figure: colours, the template, the layout with its title, legend, source line and
demo tag, and the small helpers figures share (wrapping, count and share axes, escaped offer names).

Screen figures (:mod:`~kompilot_data.present.figures`, :mod:`~kompilot_data.present.maps`) and the briefing's
charts (:mod:`~kompilot_data.present.charts`) put their source line and demo tag on the figure with
:func:`add_source` and :func:`add_demo_tag`, so a saved PNG keeps its attribution and its demo label.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from kompilot_data.present.safe_text import html_text
from kompilot_data.reference import OUTSIDE_PILOT
from kompilot_data.reference.i18n import format_number, format_percent, plotly_separators, t
from kompilot_data.reference.sources import is_demo_source

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: The sub-regions' colours mean the sub-regions and nothing else (issue 14): no other chart uses them.
SUBREGION_COLOURS = {"Namdalen": "#0072B2", "Trøndelag sør": "#E69F00", "Fosen": "#009E73", OUTSIDE_PILOT: "#DDDDDD"}
#: Plain bars (one measure, no categories to tell apart): one neutral colour, 5.7:1 on white.
NEUTRAL = "#5B6770"
#: Categories that are not sub-regions (sources, levels, place types): the Okabe–Ito colours left over.
OTHER_COLOURS = ["#56B4E9", "#D55E00", "#CC79A7", "#5B6770", "#F0E442", "#1B2733"]
#: Demand (and a shortfall of seats) and supply (seats to spare): the ends of the diverging scale.
DEMAND_COLOUR = "#B35806"
SUPPLY_COLOUR = "#542788"
#: Outline of the selected municipality or sub-region: near-black with a white halo, used by no palette.
SELECTION_COLOUR = "#111111"
SEQUENTIAL = "Blues"
DIVERGING = "PuOr_r"  # purple = more supply, orange = unmet demand; colour-blind safe
ORDINAL = ["#08306B", "#2171B5", "#6BAED6", "#C6DBEF", "#FDAE6B", "#E6550D"]  # centrality 1..6
#: Pipeline stages are ordered: one purple hue from light (mapped) to dark (completed); closed is grey.
STATUS_COLOURS = {
    "kartlagt": "#CBC9E2",
    "koblet": "#9E9AC8",
    "etablert": "#6A51A3",
    "gjennomfort": "#3F007D",
    "avsluttet": "#969696",
}
#: Characters per line of a chart's source line: the wrapped line fits a phone's 340 px at 11 px type.
SOURCE_WRAP = 58
#: Characters per line of a category label (bars, heatmap rows and columns).
LABEL_WRAP = 24
#: Characters per line of a chart title (what is counted) on a phone.
TITLE_WRAP = 44


#: Parts of the template's layout read only by subplots kompilot does not draw, and which trace types need them.
_SUBPLOT_DEFAULTS = {
    "scene": lambda kind: kind.endswith("3d") or kind in {"surface", "mesh3d", "cone", "streamtube", "volume"},
    "polar": lambda kind: "polar" in kind,
    "ternary": lambda kind: "ternary" in kind,
    "geo": lambda kind: kind in {"scattergeo", "choropleth"},
}


@lru_cache(maxsize=64)
def _template(trace_types: frozenset[str]) -> go.layout.Template:
    """plotly's ``plotly_white`` for a figure with ``trace_types``, validated once per set of types.

    The defaults of other trace types (some 40 of them) and of 3D, polar, ternary and geo subplots are left
    out: plotly.js reads a trace type's defaults only for traces of that type, so the figure looks the same,
    and its message is some 4 kB smaller (6.5 kB with the whole template).
    """
    white = pio.templates["plotly_white"]
    layout = {
        key: value
        for key, value in white.layout.to_plotly_json().items()
        if key not in _SUBPLOT_DEFAULTS or any(_SUBPLOT_DEFAULTS[key](kind) for kind in trace_types)
    }
    data = {kind: white.data[kind] for kind in sorted(trace_types) if white.data[kind]}
    return go.layout.Template(layout=layout, data=data)


def figure(data=(), layout: dict | None = None) -> go.Figure:
    """A figure from plain dicts (a trace or a list of traces, each with its ``type``; the layout), not validated
    (issue 24).

    Validating a figure's properties costs more than building it (60-70 ms for Oversikt's figures on every
    rerun); ``tests/test_figure_validation.py`` validates every figure the app builds instead, once, in CI.
    """
    traces = [_named_scales(trace) for trace in ([data] if isinstance(data, dict) else data)]
    return go.Figure({"data": traces, "layout": dict(layout or {})}, _validate=False)


def _named_scales(trace: dict) -> dict:
    """``trace`` with a named colour scale (``"PuOr_r"``) written out, as plotly's validation would: plotly.js
    knows only a few names."""
    trace = dict(trace)
    if isinstance(trace.get("colorscale"), str):
        trace["colorscale"] = _scale(trace["colorscale"])
    marker = trace.get("marker")
    if isinstance(marker, dict) and isinstance(marker.get("colorscale"), str):
        trace["marker"] = {**marker, "colorscale": _scale(marker["colorscale"])}
    return trace


@lru_cache(maxsize=32)
def _scale(name: str) -> list:
    """The colour scale ``name`` as plotly's validator writes it out (once per name)."""
    return [list(step) for step in go.Heatmap(colorscale=name).colorscale]


@lru_cache(maxsize=64)
def _template_json(trace_types: frozenset[str]) -> dict:
    """:func:`_template` as plain data (plotly copies it into each figure)."""
    return _template(trace_types).to_plotly_json()


def _merged(current: dict, changes: dict) -> dict:
    """``current`` with ``changes`` merged in, nested dictionaries key by key (as ``update_layout`` does)."""
    out = dict(current)
    for key, value in changes.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _rebuilt(fig: go.Figure, changes: dict, annotations: list[dict]) -> go.Figure:
    """``fig`` as one unvalidated :func:`figure`: its traces, its layout with ``changes`` merged in (``None``
    removes a property, as in ``update_layout``) and ``annotations`` added, and the ``plotly_white`` template for
    its trace types (validated once per set of types, :func:`_template`).

    plotly's ``update_layout`` and ``add_annotation`` replay every property through its validators and relayout
    machinery (some 8 ms a figure for :func:`layout`'s dozen properties, issue 17, and the template 15 ms);
    plain data merged once costs well under a millisecond.
    """
    current = fig.layout.to_plotly_json()
    current.pop("template", None)
    merged = {key: value for key, value in _merged(current, changes).items() if value is not None}
    merged["annotations"] = [*merged.get("annotations", ()), *annotations]
    merged["template"] = _template_json(frozenset(trace.type for trace in fig.data))
    return figure([trace.to_plotly_json() for trace in fig.data], merged)


def layout(
    fig: go.Figure,
    language: str,
    source: str,
    title: str | None = None,
    height: int = 380,
    below: int = 62,
    demo: bool | None = None,
    plot_height: int | None = None,
) -> go.Figure:
    """Common look, the same on screen, in a PNG and in a briefing.

    * Above the plot: the title, then the legend, which pushes the top margin as it wraps, so it never
      overlaps the plot or the source line.
    * Below the plot: tick labels and axis title (``below`` pixels), then the source line, wrapped to
      :data:`SOURCE_WRAP` characters and right-aligned, so it is never cut at the figure's edge; then, for
      figures computed from demo data (``demo``; by default recognised from the source line), a visible
      DEMO-DATA tag that stays in a saved PNG.

    ``plot_height`` (instead of ``height``) sizes the figure so the plot itself is that high.
    """
    demo = is_demo_source(source, language) if demo is None else demo
    lines = wrap(source, SOURCE_WRAP)
    title_lines = wrap(title, TITLE_WRAP) if title else []
    tag = 26 if demo else 0
    legend_rows = _legend_rows(fig)
    top = 12 + 19 * len(title_lines) + (6 if title_lines else 0) + 24 * legend_rows
    bottom = below + 15 * len(lines) + 8 + tag
    if plot_height is not None:
        height = plot_height + top + bottom
    else:
        height = height + 15 * (len(lines) - 1) + tag + 19 * max(0, len(title_lines) - 1) + 24 * max(0, legend_rows - 1)
    changes = dict(
        separators=plotly_separators(language),
        height=height,
        margin={"l": 10, "r": 14, "t": top, "b": bottom},
        title={
            "text": "<br>".join(title_lines),
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            # plotly puts the last line's cap at ``y`` and the lines before it above: move down by those lines
            "y": 1 - (10 + 19 * (len(title_lines) - 1)) / height,
            "yref": "container",
            "yanchor": "top",
            "pad": {"l": 10},
            "font": {"size": 15, "color": "#1B2733"},
        }
        if title
        else None,
        font={"family": "Source Sans Pro, Arial, sans-serif", "size": 13, "color": "#1B2733"},
        # The legend right under the title, in the top margin sized for its rows on a phone.
        legend={
            "orientation": "h",
            "yref": "container",
            "yanchor": "top",
            "y": 1 - (10 + 19 * len(title_lines) + (6 if title_lines else 0)) / height,
            "x": 0,
            "xanchor": "left",
        },
    )
    annotations = [source_annotation("<br>".join(lines), below)]
    if demo:
        annotations.append(demo_annotation(language, y=0, yshift=-(below + 15 * len(lines) + 6)))
    return _rebuilt(fig, changes, annotations)



#: The demo tag: on screen figures under the source line (bottom right), on slides top right and larger.
DEMO_COLOUR = "#B35900"
DEMO_TAG_SCREEN = {"size": 12, "color": "#6B4500", "bgcolor": "#FFF1C7", "bordercolor": "#6B4500", "borderwidth": 1}
DEMO_TAG_SLIDE = {"size": 16, "color": "#FFFFFF", "bgcolor": DEMO_COLOUR, "bordercolor": None, "borderwidth": 0}


def add_source(fig: go.Figure, text: str, below: int, slide: bool = False, xshift: int = 0) -> None:
    """The source line ``below`` px under the plot area: right-aligned on screen figures, left-aligned (starting
    ``xshift`` px off the plot area) and larger on slides."""
    fig.add_annotation(source_annotation(text, below, slide, xshift))


def source_annotation(text: str, below: int, slide: bool = False, xshift: int = 0) -> dict:
    """The annotation of :func:`add_source`, as plain data."""
    return dict(
        text=text,
        xref="paper",
        yref="paper",
        x=0 if slide else 1,
        y=0,
        yshift=-below,
        xshift=xshift,
        showarrow=False,
        xanchor="left" if slide else "right",
        yanchor="top",
        align="left" if slide else "right",
        font={"size": 16, "color": "#333333"} if slide else {"size": 11, "color": "#4A5563"},
    )


def add_demo_tag(fig: go.Figure, language: str, y: float, yshift: int, slide: bool = False) -> None:
    """The visible DEMO-DATA tag of a figure computed from demo records, which stays in a saved PNG: at ``y`` (0 =
    the plot area's bottom, 1 its top) shifted ``yshift`` px, right-aligned."""
    fig.add_annotation(demo_annotation(language, y, yshift, slide))


def demo_annotation(language: str, y: float, yshift: int, slide: bool = False) -> dict:
    """The annotation of :func:`add_demo_tag`, as plain data."""
    style = DEMO_TAG_SLIDE if slide else DEMO_TAG_SCREEN
    return dict(
        text=f"<b>{t('demo_tag' if slide else 'demo_tag_figure', language)}</b>",
        xref="paper",
        yref="paper",
        x=1,
        y=y,
        yshift=yshift,
        showarrow=False,
        xanchor="right",
        yanchor="top",
        font={"size": style["size"], "color": style["color"]},
        bgcolor=style["bgcolor"],
        bordercolor=style["bordercolor"],
        borderwidth=style["borderwidth"],
        borderpad=5 if slide else 3,
    )


def _legend_rows(fig: go.Figure, width: int = 330) -> int:
    """How many rows the legend above the plot takes on a phone (``width`` pixels): entries are about 40 px
    plus 6.5 px a character, and wrap."""
    names = [
        str(trace.name)
        for trace in fig.data
        if trace.name
        and getattr(trace, "showlegend", None) is not False
        and getattr(trace, "legend", None) in (None, "legend")
        and trace.type not in ("choroplethmap", "heatmap", "treemap", "sankey")
    ]
    names = list(dict.fromkeys(names))
    rows, used = (1, 0) if names else (0, 0)
    for name in names:
        need = 40 + 6.5 * len(name)
        if used and used + need > width:
            rows, used = rows + 1, 0
        used += need
    return rows


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at spaces (a longer word keeps its line)."""
    lines: list[str] = []
    for word in str(text).split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def wrapped(label: str, width: int = LABEL_WRAP) -> str:
    """A category label broken into lines (``<br>``) so it is never cut at a chart's edge; each line escaped with
    :func:`~kompilot_data.present.safe_text.html_text` (plotly renders labels as HTML: a provider named
    ``<b>…</b>`` or ``<a href=…>`` must stay text, issue 23). Pass the label unescaped."""
    return "<br>".join(html_text(line) for line in wrap(label, width))


def count_axis(axis: dict, maximum: float) -> dict:
    """An axis of counts: whole numbers only (no "0,2 behov"), starting at zero."""
    axis = {**axis, "rangemode": "tozero", "tickformat": ",d"}
    if not np.isfinite(maximum) or maximum <= 6:
        axis["dtick"] = 1
    return axis


def percent_ticks(language: str, top: float = 1.0, steps: int = 5) -> dict:
    """Tick values and texts for a share axis (0 … ``top``), written "45 %" in bokmål and "45%" in English."""
    top = max(top, 0.01)
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0) if top / s <= steps)
    values = list(np.round(np.arange(0, top + step / 2, step), 4))
    return {"tickvals": values, "ticktext": [format_percent(v, language) for v in values]}


def room_for_labels(maximum: float, share: float = 0.22) -> list[float]:
    """An axis range from 0 with room after the longest bar for its value label (never clipped)."""
    top = float(maximum) if np.isfinite(maximum) and maximum > 0 else 1.0
    return [0, top * (1 + share)]


def offer_names(offers: pd.DataFrame) -> list[str]:
    """ "title – provider" per offer for a hover, escaped: titles and providers are user text, and plotly
    renders a hover's text as HTML (``<b>``, ``<a href>``, images), so ``<img src=x onerror=…>`` must stay text."""
    return [
        html_text(f"{_text(title)} – {_text(provider)}")
        for title, provider in zip(offers["tittel"], offers["tilbyder"], strict=True)
    ]


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def whole(value: float, language: str) -> str:
    """A value rounded to a whole number, never "−0"."""
    rounded = round(float(value))
    return format_number(0 if rounded == 0 else rounded, language)


