"""Presentation mode: six steps for a forum, one screen each, fitted to a 16:9 projector.

Each step: the title, a one-line finding, one row of headline figures (the county comparison in words on its
own line; real statistics with their source, demo-derived figures with the demo tag), one main chart sized to
the height that is left (and a table beside it where the step lists places), and the navigation pinned at the
bottom. Keys: → / PageDown forward, ← / PageUp back, Esc leaves (keeping the filters). URL: ``profil``, ``steg``
and ``siden`` (the start of the last step, "since last time"; default three months back).
"""

import html
import tempfile
from pathlib import Path

import streamlit as st

import ui
from kompilot_data.present.briefing_model import STEPS, Step, Table, file_stem
from kompilot_data.present.handout import write_html
from kompilot_data.reference import default_region, region_choices, resolve_region
from kompilot_data.view import parse_since
from ui.presentation import keyboard_navigation, projector_layout

lang = ui.language()
filters = ui.current_filters()
choices = {r.key: r for r in region_choices()}
try:
    resolved = resolve_region(ui.page_param("profil") or default_region(filters))
except ValueError:
    resolved = default_region(filters)
region, name = resolved.key, resolved.name
try:
    step_number = min(max(int(ui.page_param("steg", "1")), 1), len(STEPS))
except ValueError:
    step_number = 1

projector_layout()
keyboard_navigation()


def go_to(new_step: int) -> None:
    ui.set_page_param("steg", str(new_step))


def demo_tag() -> str:
    return f'<span class="present-demo">{html.escape(ui.T("demo_tag"))}</span>'


def table_html(table: Table) -> str:
    numeric = [
        column
        for column in table.frame.columns
        if table.frame[column].astype(str).str.fullmatch(r"[\d\s\u202f.,−<:–-]+( \(.*\))?|0 \(.*\)").all()
    ]
    head = "".join(
        f'<th class="{"number" if c in numeric else ""}">{html.escape(str(c))}</th>' for c in table.frame.columns
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"number" if c in numeric else ""}">{html.escape(str(v))}</td>'
            for c, v in zip(table.frame.columns, record, strict=True)
        )
        + "</tr>"
        for record in table.frame.itertuples(index=False)
    )
    return f'<table class="present-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def show_table(table: Table) -> None:
    title = f'<p class="present-table-title">{html.escape(table.title)}</p>'
    body = table_html(table) if len(table.frame) else ""
    st.html(
        f"{title}{body}<p class='present-caption'>{html.escape(table.caption)}</p>"
        f"<p class='present-caption'>{html.escape(table.source)}</p>"
    )


def show_chart(current, step: Step) -> None:
    item = step.main
    if item is None:
        return
    figure = item.plotly(footer=False)
    figure.update_layout(height=None, autosize=True)
    st.plotly_chart(
        figure,
        key=f"present_{item.slug}",
        height="stretch",
        theme=None,
        config={"displayModeBar": False, "responsive": True},
    )
    st.html(f'<p class="present-chart-source">{html.escape(item.footer)}</p>')


view = ui.view()
since = parse_since(ui.page_param("siden"), view.key.today)
current = ui.briefing(region, since)
step: Step = current.steps[step_number - 1]


def since_changed() -> None:
    chosen = st.session_state.get("present_since")
    ui.set_page_param("siden", chosen.isoformat() if chosen else None)


def downloads() -> None:
    """PowerPoint and offline HTML of the briefing on screen (with its "since" date), built when clicked."""
    from kompilot_data.present.deck import write_pptx  # late: python-pptx (~0.3 s) only when a deck is made

    def made(writer, suffix: str) -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            return writer(current, Path(folder) / f"briefing{suffix}").read_bytes()

    stem = file_stem(name, "briefing", view.key.today)
    ui.download_buttons(
        [
            (ui.T("download_pptx"), lambda: made(write_pptx, ".pptx"), f"{stem}.pptx", ui.PPTX),
            (ui.T("download_html"), lambda: made(write_html, ".html"), f"{stem}.html", "text/html"),
        ],
        key="present",
    )


with st.container(key="present_head"):
    st.title(f"{name}: {step.title}", anchor=False)
    if step.demo or step.finding:
        finding = html.escape(step.finding)
        st.html(
            f'<div class="present-title-row"><p class="present-finding">{finding}</p>'
            f"{demo_tag() if step.demo else ''}</div>"
        )

with st.container(key="present_kpis"):
    if step.key_figures:
        for column, figure in zip(st.columns(len(step.key_figures)), step.key_figures, strict=True):
            with column:
                st.metric(figure.label, figure.value)
                lines = []
                if figure.comparison:
                    lines.append(f'<p class="present-comparison">{html.escape(figure.comparison)}</p>')
                if figure.source:
                    lines.append(f'<p class="present-source">{html.escape(figure.source)}</p>')
                if lines:
                    st.html("".join(lines))

with st.container(key="present_body", height="stretch"):
    tables = [t for t in step.tables if step.key == "gap"]
    if step.main is not None and tables:
        chart_column, table_column = st.columns([3, 2], gap="large")
        with chart_column:
            show_chart(current, step)
        with table_column:
            show_table(tables[0])
    elif step.main is not None:
        show_chart(current, step)
    elif step.tables:
        show_table(step.tables[0])

with st.container(key="present_nav"):
    previous, counter, following, settings, leave = st.columns([3, 2, 3, 2, 2], vertical_alignment="center")
    previous.button(
        ui.T("present_previous"),
        on_click=go_to,
        args=(step_number - 1,),
        disabled=step_number == 1,
        width="stretch",
        key="present_previous",
    )
    counter.html(
        f'<p class="present-counter">{ui.T("present_step", step=step_number, total=len(STEPS))}</p>'
        f'<p class="present-keys">{html.escape(ui.T("present_keys_help"))}</p>'
    )
    following.button(
        ui.T("present_next"),
        on_click=go_to,
        args=(step_number + 1,),
        disabled=step_number == len(STEPS),
        width="stretch",
        key="present_next",
    )
    with settings.popover(ui.T("present_settings"), width="stretch"):
        keys = list(choices) if region in choices else [region, *choices]
        chosen = st.selectbox(
            ui.T("region_choose"),
            keys,
            index=keys.index(region),
            key="present_region",
            format_func=lambda key: choices[key].label if key in choices else resolved.label,
        )
        if chosen != region:
            ui.set_page_param("profil", chosen)
            ui.set_page_param("steg", "1")
            st.rerun()
        st.date_input(
            ui.T("since_input"),
            value=since,
            max_value=view.key.today,
            format="DD.MM.YYYY",
            key="present_since",
            on_change=since_changed,
            help=ui.T("since_input_help"),
        )
        downloads()
    kept: dict[str, str | list[str]] = dict(filters.to_query())
    if lang != "nb":
        kept["lang"] = lang
    kept["profil"] = region
    with leave.container(key="present_exit"):
        st.page_link(
            "app_pages/region.py",
            label=ui.T("present_exit"),
            icon=":material/close:",
            query_params=kept,
            help=ui.T("present_exit_help"),
            width="stretch",
        )
