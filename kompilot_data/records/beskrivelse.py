"""Free text in an import file (issue 27): a ``beskrivelse`` column gets the classifier's suggestions row by row.

The coordinator sees the suggestions in the import preview and accepts them in bulk or one by one (correcting the
area where needed). Only an **accepted** area is written into the row's ``kompetanseomrade`` before the file is
checked (:func:`prepare`): a row with no accepted suggestion keeps the file's own value, and a row with neither is
refused by the usual check, naming row and column. Nothing unconfirmed is saved.

The description itself is kept with the record: where the row's ``merknad`` is empty it gets the description (the
import format has no other free-text column), so the text stays next to the area confirmed for it.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from kompilot_data.engine import classify
from kompilot_data.records.importer import Prepared, normalise, prepare_file
from kompilot_data.records.reader import ReadError, ReadResult, header_key, known_header, read_upload

DESCRIPTION_HEADERS = frozenset({"beskrivelse", "description", "behovsbeskrivelse", "fritekst"})
MAX_SUGGESTED_ROWS = 2000
"""Rows of one file that get suggestions (about 20 ms a row after warm-up: 2 000 rows take under a minute)."""
COLUMNS = ["posisjon", "rad", "beskrivelse", "i_filen", "forslag_1", "score_1", "forslag_2", "score_2", "styrk"]


def description_column(frame: pd.DataFrame) -> str | None:
    """The header of the file's description column (``beskrivelse`` in any case or spacing), or None."""
    for column in frame.columns:
        if header_key(column) in DESCRIPTION_HEADERS:
            return column
    return None


def _column_named(frame: pd.DataFrame, name: str) -> str | None:
    for column in frame.columns:
        if known_header(column) == name:
            return column
    return None


def suggestions(read: ReadResult) -> pd.DataFrame | None:
    """One row per file row with a description (at most :data:`MAX_SUGGESTED_ROWS`): ``posisjon`` (the row's
    position in the frame), ``rad`` (its row number in the file), ``beskrivelse``, ``i_filen`` (the file's own
    ``kompetanseomrade``, as written), ``forslag_1``/``score_1`` and ``forslag_2``/``score_2`` (area codes) and
    ``styrk`` (``[(kode, navn, score)]``, best first). None when the file has no description column."""
    column = description_column(read.frame)
    if column is None:
        return None
    texts = read.frame[column].fillna("").astype(str)
    present = [position for position, value in enumerate(texts) if value.strip()][:MAX_SUGGESTED_ROWS]
    area_column = _column_named(read.frame, "kompetanseomrade")
    found = classify.suggest_many([texts.iloc[p] for p in present])
    rows = []
    for position, suggestion in zip(present, found, strict=True):
        areas = [*suggestion.kompetanseomrade, None, None]
        rows.append(
            {
                "posisjon": position,
                "rad": int(read.frame.index[position]) + read.first_data_row,
                "beskrivelse": texts.iloc[position],
                "i_filen": str(read.frame[area_column].iloc[position] or "") if area_column else "",
                "forslag_1": areas[0].kode if areas[0] else None,
                "score_1": areas[0].score if areas[0] else None,
                "forslag_2": areas[1].kode if areas[1] else None,
                "score_2": areas[1].score if areas[1] else None,
                "styrk": [(o.kode, o.navn, o.score) for o in suggestion.styrk],
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def with_accepted(read: ReadResult, accepted: dict[int, str]) -> ReadResult:
    """``read`` with the ``accepted`` areas (frame position -> area code) in ``kompetanseomrade`` and each
    description in an empty ``merknad``; unchanged when the file has no description column."""
    column = description_column(read.frame)
    if column is None:
        return read
    frame = read.frame.copy()
    area = _column_named(frame, "kompetanseomrade") or "kompetanseomrade"
    if area not in frame:
        frame[area] = ""
    for position, code in accepted.items():
        frame.iloc[int(position), frame.columns.get_loc(area)] = code
    note = _column_named(frame, "merknad") or "merknad"
    if note not in frame:
        frame[note] = ""
    empty = frame[note].fillna("").astype(str).str.strip() == ""
    frame.loc[empty, note] = frame.loc[empty, column]
    return replace(read, frame=frame)


def prepare(data: bytes, filename: str, kind: str | None = None, accepted: dict[int, str] | None = None) -> Prepared:
    """:func:`kompilot_data.records.importer.prepare_file` with the ``accepted`` suggestions applied first."""
    try:
        read = read_upload(data, filename)
    except ReadError:
        return prepare_file(data, filename, kind)  # the file's problem, said the importer's way
    return normalise(with_accepted(read, accepted or {}), kind)


def read(data: bytes, filename: str) -> ReadResult | None:
    """The file as read (None when it cannot be read; :func:`prepare` then names the problem)."""
    try:
        return read_upload(data, filename)
    except ReadError:
        return None
