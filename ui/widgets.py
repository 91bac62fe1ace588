"""Page furniture: the sidebar filters, page header, figures, tables and download buttons."""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from kompilot_data.engine import disclosure
from kompilot_data.engine.disclosure import SUPPRESSED
from kompilot_data.engine.reach import STRAIGHT_LINE, TRAVEL_TIME, ReachSetting
from kompilot_data.present import figures, summaries
from kompilot_data.present.briefing_model import file_stem
from kompilot_data.present.handout import write_html
from kompilot_data.records.importer import neutralise
from kompilot_data.reference import i18n
from kompilot_data.reference.regions import resolve_region
from kompilot_data.view.filters import DATE_MAX, DATE_MIN, FILTER_SPECS
from ui.cached import REACH_KEY, briefing, is_demo, reach_setting
from ui.design import chart_alternative, chart_config, chart_file_word, display, record_card
from ui.state import LANGUAGE_KEY, WIDGET_KEY, T, describe_filters, language, number, reset_filters
from ui.state import percent as as_percent


def sidebar_filters() -> None:
    """Language, then one widget per row of the filter specification (``FILTER_SPECS``), then reset."""
    lang = language()
    with st.sidebar:
        st.radio(
            T("language"),
            list(i18n.LANGUAGE_NAMES),
            key=LANGUAGE_KEY,
            horizontal=True,
            format_func=i18n.LANGUAGE_NAMES.get,
        )
        st.header(T("filters"))
        for spec in FILTER_SPECS:
            if spec.widget == "multiselect":
                st.multiselect(
                    T(spec.label),
                    list(spec.allowed()),
                    key=WIDGET_KEY[spec.field],
                    format_func=lambda value, spec=spec: spec.option_label(value, lang),
                    placeholder=T("filter_all"),
                    help=T(f"{spec.label}_help") if f"{spec.label}_help" in i18n.TEXTS else None,
                    select_all=False,  # Streamlit's "Select all"/"Select N matches" option is English only
                )
            elif spec.widget == "toggle":  # a lens (issue 20: "ordinære studier")
                st.toggle(T(spec.label), key=WIDGET_KEY[spec.field], help=T(f"{spec.label}_help"))
        _period_inputs(lang)
        st.button(T("filter_reset"), on_click=reset_filters, width="stretch")
        st.caption(T("filter_link_help"))


def _period_inputs(lang: str) -> None:
    """The date rows of the filter specification, side by side under one caption."""
    dates = [spec for spec in FILTER_SPECS if spec.widget == "date"]
    st.caption(T("filter_period"))
    fmt = "DD.MM.YYYY" if lang == "nb" else "YYYY-MM-DD"
    for column, spec in zip(st.columns(len(dates)), dates, strict=True):
        column.date_input(
            T(spec.label),
            key=WIDGET_KEY[spec.field],
            value=None,
            format=fmt,
            min_value=DATE_MIN,
            max_value=DATE_MAX,
        )


# --- page furniture ---------------------------------------------------------------------------


def protected(value, decimals: int = 0, percent: bool = False, mark: str | None = None) -> str:
    """A key figure from the View: its ``mark`` where it is hidden (NaN; default "<3", pass
    ``view.total_mark`` for totals that may be hidden as a complement), else the number or percentage."""
    if value is None or pd.isna(value):
        return mark or SUPPRESSED
    return as_percent(value, decimals) if percent else number(value, decimals)


def count_bars(view, key: str, taxonomy_name: str, measure: str, chart_key: str, title: str) -> bool:
    """Bars of needs (``behov``) or participants (``deltakere``) per code of ``key`` from the View, one neutral
    colour, largest on top, hidden bars marked "<3" or ":" as their protection says, with the chart's text
    alternative (summary and table) under it. False (and nothing drawn) when there is nothing to show."""
    table = view.counts((key,), measure)
    counts = table[measure]
    keep = (counts.isna() | (counts > 0)).to_numpy()
    if not keep.any():
        return False
    lang = view.language
    shown = figures.labelled(counts[keep], taxonomy_name, lang)
    marks = figures.labelled(
        disclosure.hidden_markers(table, view.threshold or disclosure.MIN_BUSINESSES)[keep], taxonomy_name, lang
    )
    axis = T("participants") if measure == "deltakere" else T("count_needs")
    summary = summaries.ranking(shown, lang, T(f"unit_{'participants' if measure == 'deltakere' else 'needs'}"))
    # Steps of the brokering process and levels keep their own order (top first); other codes go by size.
    order = list(shown.index) if key in ("status", "niva", "storrelse") else None
    figure(
        figures.bar_counts(shown, lang, axis, view.records_source(), title, order=order, marks=marks),
        key=chart_key,
        alt=summary,
    )
    chart_alternative(title, display(table[keep].reset_index(), columns=[key, measure]), summary)
    return True


def reach_caption() -> str:
    """One sentence saying how reach and supply are computed under the current reach setting."""
    setting = reach_setting()
    return T(f"reach_note_{setting.method}", limit=number(setting.limit))


def reach_controls(key: str) -> None:
    """Method (travel time or straight line) and limit of reach; stored for the session, so every page agrees."""
    current = reach_setting()
    left, right = st.columns(2)
    methods = [TRAVEL_TIME, STRAIGHT_LINE]
    method = left.radio(
        T("reach_method"),
        methods,
        index=methods.index(current.method),
        format_func=lambda m: T(f"reach_method_{m}"),
        horizontal=True,
        key=f"{key}_method",
    )
    default = current.limit if method == current.method else 90.0
    limit = right.slider(T(f"reach_limit_{method}"), 20, 200, int(default), step=10, key=f"{key}_limit_{method}")
    chosen = ReachSetting(method, float(limit))
    if chosen != current:
        st.session_state[REACH_KEY] = chosen
        st.rerun()


def page_header(title_key: str, intro_key: str | None = None) -> None:
    st.title(T(title_key), anchor=False)
    if is_demo():
        st.warning(T("demo_badge"), icon=":material/science:")
    st.caption(f"{T('active_filters')}: {describe_filters()}")
    if intro_key:
        st.markdown(T(intro_key))


def figure(fig, key: str | None = None, filename: str | None = None, **kwargs):
    """Show a plotly figure; the mode bar saves a PNG at presentation resolution, ``kompilot_<key>_<date>``.

    The message depends on nothing but the figure, ``key`` and the day: an unchanged figure gives the same
    message, which Streamlit's message cache does not send or draw again (issue 17). So the file name holds
    no filter (it did hold the place filter, and every place change re-sent the whole map).
    """
    if filename is None:

        filename = file_stem("kompilot", chart_file_word(fig) or key or "figur", date.today())

    config = {
        **chart_config(),
        "displaylogo": False,
        # The mouse wheel scrolls the page, also over a map (zoom with the mode bar's buttons or by pinching)
        "scrollZoom": False,
        "toImageButtonOptions": {"format": "png", "width": 1600, "height": 900, "scale": 1, "filename": filename},
    }
    # theme=None: the figure looks as designed (and as in exported PNGs and briefings).
    return st.plotly_chart(fig, key=key, config=config, theme=None, **kwargs)


def excel_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Semicolon-separated, decimal comma, UTF-8 with BOM: opens correctly in Norwegian Excel."""
    return frame.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def download_buttons(files: list[tuple[str, object, str, str]], key: str) -> None:
    """Side-by-side download buttons for ``(label, make_bytes, file_name, mime)``; files are made when clicked."""
    for column, (label, make, file_name, mime) in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            label,
            make,
            file_name,
            mime,
            width="stretch",
            on_click="ignore",
            key=f"{key}_{file_name.rsplit('.', 1)[-1]}",
        )


def downloads(frame: pd.DataFrame, name: str) -> None:
    """CSV and Excel download buttons for ``frame`` (cells neutralised against formula injection)."""
    safe = frame.map(neutralise)
    download_buttons(
        [
            (T("download_csv"), lambda: csv_bytes(safe), f"{name}.csv", "text/csv"),
            (T("download_excel"), lambda: excel_bytes(safe), f"{name}.xlsx", XLSX),
        ],
        key=name,
    )


def selectable_table(frame: pd.DataFrame, key: str, height: int = 380, alt: str | None = None) -> int | None:
    """A table (already in display form, see :func:`ui.design.display`) where one row can be selected;
    returns the selected position or None. Missing values are blank."""
    event = st.dataframe(
        frame,
        width="stretch",
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        height=height,
        placeholder="",
        alt=alt,
    )
    rows = event.selection.rows if event else []
    return rows[0] if rows else None


def record_table(frame: pd.DataFrame, key: str, download_name: str, kind: str | None = None) -> None:
    """Records as a reader sees them (translated headers, labels, dd.mm.yyyy, blanks, ja/nei), a card with
    the selected record's details, and downloads of what is shown."""
    shown = display(frame, kind=kind)
    position = selectable_table(shown, key)
    if position is None:
        st.caption(T("select_row_help"))
    else:
        record_card(frame.iloc[position], kind=kind, title=T("details"))
    downloads(shown, download_name)


def briefing_downloads(region: str, key: str, since: date | None = None) -> None:
    """One-click PowerPoint and standalone HTML for ``region`` (its last step from ``since``); the briefing is
    built only when clicked."""
    from kompilot_data.present.deck import write_pptx  # late: python-pptx (~0.3 s) only when a deck is made

    def made(writer, suffix: str) -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            return writer(briefing(region, since), Path(folder) / f"briefing{suffix}").read_bytes()

    name = resolve_region(region).name
    stem = file_stem(name, T("file_briefing"), date.today())
    download_buttons(
        [
            (T("download_pptx"), lambda: made(write_pptx, ".pptx"), f"{stem}.pptx", PPTX),
            (T("download_html"), lambda: made(write_html, ".html"), f"{stem}.html", "text/html"),
        ],
        key=key,
    )


def labelled(frame: pd.DataFrame, kind: str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """``frame`` as a reader sees it in the current language: translated headers, labels for codes, the
    municipality's name, dd.mm.yyyy, blanks and ja/nei (:func:`kompilot_data.present.tables.display_table`)."""
    return display(frame, kind=kind, columns=columns)
