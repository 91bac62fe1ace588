"""Streamlit glue for the kompilot pages, split by concern (beside ``app.py``):

* :mod:`ui.state` – language, the shared filters and page parameters, bound to the URL;
* :mod:`ui.cached` – every ``st.cache_*`` wrapper: the database, records and what is computed from them;
* :mod:`ui.auth` – roles from the login and the allow-list;
* :mod:`ui.widgets` – sidebar, page header, figures, tables and downloads;
* :mod:`ui.design` – page style, menu, sections, key figures, chart text alternatives, tables as read.

Pages use ``import ui`` and the names re-exported here.
"""

from ui.auth import access, min_businesses, require_coordinator, sidebar_access
from ui.cached import (
    all_needs,
    all_offers,
    audience,
    briefing,
    data_version,
    engine,
    files_mode,
    is_demo,
    prepared_upload,
    reach_setting,
    records_source,
    records_view,
    refresh_data_version,
    region_view,
    view,
)
from ui.design import (
    chart_alternative,
    chart_config,
    display,
    header_config,
    key_figures,
    localise_streamlit,
    offers_in_reach,
    page_style,
    record_card,
    responsive,
    section,
    show_table,
    sidebar_navigation,
)
from ui.geometry import map_geometry
from ui.state import (
    T,
    current_filters,
    describe_filters,
    language,
    number,
    page_param,
    percent,
    reset_filters,
    set_page_param,
    sync_from_url,
    toggle_municipality,
    write_url,
)
from ui.widgets import (
    PPTX,
    XLSX,
    briefing_downloads,
    count_bars,
    csv_bytes,
    download_buttons,
    downloads,
    excel_bytes,
    figure,
    labelled,
    page_header,
    protected,
    reach_caption,
    reach_controls,
    record_table,
    selectable_table,
    sidebar_filters,
)
