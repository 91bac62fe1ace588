"""The published p-table of the cell key method (:mod:`kompilot_data.engine.cellkey`) as the About page shows it."""

from __future__ import annotations

import pandas as pd

from kompilot_data.engine import cellkey
from kompilot_data.reference.i18n import format_number, format_percent, t


def ptable_table(language: str) -> pd.DataFrame:
    """One row per exact value (the last: that value or more), one column per noise (−2 … +2): its probability."""
    table = cellkey.load_ptable()
    top = int(table["i"].max())
    wide = table.pivot_table(index="i", columns="v", values="p", aggfunc="sum").fillna(0.0)
    rows = []
    for value, shares in wide.iterrows():
        label = t("ckm_value_or_more", language, verdi=value) if value == top else format_number(value, language)
        rows.append(
            {t("ckm_col_value", language): label}
            | {
                f"{v:+d}".replace("+0", "0").replace("-", "−"): format_percent(p, language, 0) if p else ""
                for v, p in shares.items()
            }
        )
    return pd.DataFrame(rows)
