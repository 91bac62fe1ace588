"""The map geometry as static files: the browser fetches the polygons once, a rerun sends only the values.

Streamlit serves the folder ``static/`` beside ``app.py`` at ``app/static/`` (``server.enableStaticServing`` in
``.streamlit/config.toml``). The files are written there when the app starts (``static/geo/`` is not in git:
they are derived from ``kompilot_data/data``), named by their content, so a browser never keeps an old copy.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from kompilot_data.present.maps import write_map_geometry

STATIC = Path(__file__).resolve().parents[1] / "static"
FOLDER = "geo"


@st.cache_resource(show_spinner=False)
def map_geometry() -> dict[str, str]:
    """Keyword arguments for :func:`kompilot_data.present.maps.choropleth_map` and ``offer_map``: the URLs
    of the municipality polygons (``geojson``) and the sub-region outlines (``outlines``).

    Empty (the figures embed the geometry) when static serving is off or the folder cannot be written.
    """
    if not st.get_option("server.enableStaticServing"):
        return {}
    try:
        names = write_map_geometry(STATIC / FOLDER)
    except OSError as error:
        logging.getLogger(__name__).warning("map geometry embedded in the figures: %s", error)
        return {}
    return {argument: f"app/static/{FOLDER}/{name}" for argument, name in names.items()}
