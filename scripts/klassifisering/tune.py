"""Tune the free-text classifier's settings on the development set only (issue 27).

    python scripts/klassifisering/tune.py            # figures for the current settings, and the misses
    python scripts/klassifisering/tune.py --grid     # a grid over the hybrid's weights

Reads ``scripts/klassifisering/utviklingssett.csv`` and nothing else: the test set in
``tests/data/klassifisering_testsett.csv`` is never used to choose a setting.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

import pandas as pd

from kompilot_data.engine import classify

DEV_SET = Path(__file__).with_name("utviklingssett.csv")


class CachedEmbedder:
    """The real embedder, remembering each text's vector (the grid embeds the same texts many times)."""

    def __init__(self) -> None:
        self.inner = classify.corpus.embedder()
        self.cache: dict[str, object] = {}

    def embed(self, texts):
        missing = [t for t in texts if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.embed(missing), strict=True))
        return classify.np.vstack([self.cache[t] for t in texts]) if texts else self.inner.embed([])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", action="store_true")
    args = parser.parse_args()
    frame = pd.read_csv(DEV_SET, dtype=str, keep_default_na=False)
    labels = frame.to_dict("records")
    embedder = CachedEmbedder()
    base = classify.Classifier(embedder=embedder)
    result = classify.accuracy(base.suggest_many(frame["tekst"]), labels)
    print("\n".join(result.lines()))
    print("\n".join(result.misses))
    if not args.grid:
        return
    rows = []
    for sem, lex, occ, osem, olex in itertools.product((0, 0.5, 1), (0, 0.5, 1), (0, 0.5, 1), (0, 0.5, 1), (1,)):
        if sem == lex == occ == 0:
            continue
        settings = replace(
            base.settings,
            area_semantic=sem,
            area_lexical=lex,
            area_from_occupation=occ,
            occupation_semantic=osem,
            occupation_lexical=olex,
        )
        model = classify.Classifier(settings, embedder=embedder)
        r = classify.accuracy(model.suggest_many(frame["tekst"]), labels)
        rows.append((r.area_top1, r.area_top2, r.occupation_top3, sem, lex, occ, osem, olex))
    table = pd.DataFrame(rows, columns=["top1", "top2", "occ3", "a_sem", "a_lex", "a_occ", "o_sem", "o_lex"])
    print(table.sort_values(["top1", "top2", "occ3"], ascending=False).to_string(index=False))


if __name__ == "__main__":
    main()
