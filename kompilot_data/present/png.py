"""Charts as PNG at presentation resolution, through kaleido and the installed Chromium."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from kompilot_data.present.briefing import SLIDE_SIZE, Briefing


def figure_png(figure, width: int = SLIDE_SIZE[0], height: int = SLIDE_SIZE[1], scale: float = 1.0) -> bytes:
    """A plotly figure as PNG at presentation resolution (kaleido + the installed Chromium; offline)."""
    import warnings

    import plotly.graph_objects as go

    large = go.Figure(figure)
    large.update_layout(font={"size": 18})  # readable from the back of the room
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "kopts ignored" when a kaleido server runs
        return large.to_image(format="png", width=width, height=height, scale=scale)


@contextmanager
def png_renderer():
    """Keep one headless Chromium for all PNGs (about 0.2 s a chart instead of 2.5 s)."""
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    try:
        yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def briefing_pngs(briefing: Briefing) -> dict[str, bytes]:
    """Every chart of the briefing as PNG, rendered once and kept on the briefing."""
    if not briefing.pngs:
        with png_renderer():
            briefing.pngs = {item.slug: figure_png(item.figure) for item in briefing.figures}
    return briefing.pngs


def write_pngs(briefing: Briefing, folder: Path | str) -> list[Path]:
    """Every chart as PNG named region_indicator_date.png."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for slug, png in briefing_pngs(briefing).items():
        path = folder / f"{briefing.file_stem(slug)}.png"
        path.write_bytes(png)
        paths.append(path)
    return paths
