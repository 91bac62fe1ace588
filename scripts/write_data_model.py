"""Regenerate docs/datamodell.md from the schema and the code lists."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kompilot_data.records.schema import NEED_COLUMNS, OFFER_COLUMNS
from kompilot_data.reference import taxonomy

OUT = Path(__file__).resolve().parents[1] / "docs" / "datamodell.md"


def column_table(columns) -> str:
    rows = ["| kolonne | type | påkrevd | beskrivelse | description |", "|---|---|---|---|---|"]
    for column in columns:
        kind = f"kode ({column.taxonomy})" if column.kind == "code" else column.kind
        required = "ja" if column.required else "nei"
        rows.append(f"| `{column.name}` | {kind} | {required} | {column.description_nb} | {column.description_en} |")
    return "\n".join(rows)


def code_lists() -> str:
    sections = []
    for name in taxonomy.taxonomy_names():
        english = taxonomy.labels(name, "en")
        rows = [f"| `{code}` | {label} | {english[code]} |" for code, label in taxonomy.labels(name, "nb").items()]
        sections.append(f"### `{name}`\n\n| kode | bokmål | English |\n|---|---|---|\n" + "\n".join(rows))
    return "\n\n".join(sections)


def render() -> str:
    return f"""# Datamodell – behov og tilbud / Data model – needs and offers

Generated from `kompilot_data/records/schema.py` and `kompilot_data/data/taksonomier.json`
(`python scripts/write_data_model.py`). The import format is these columns, in any order; header names are
the column names below. Dates: `27.11.2026` or `2026-11-27`. Numbers: decimal comma or point.
Files: CSV (comma or semicolon; UTF-8 with or without BOM, or Windows-1252) or Excel (.xlsx).

Every problem is reported with the row number as seen in Excel (header = row 1) and the column, in Norwegian.

## Behov (kompetansebehov) – `needs.csv`

{column_table(NEED_COLUMNS)}

Rules across columns: `tidsramme_til` ≥ `tidsramme_fra`; `behov_id` unique.

## Tilbud – `offers.csv`

{column_table(OFFER_COLUMNS)}

Rules across columns: `stedlig` and `samlingsbasert` offers need `kommunenummer`; `lat` and `lon` both or
neither; `min_deltakere` ≤ `kapasitet`; `tilbud_id` unique.

## Kodelister / code lists

{code_lists()}
"""


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(OUT)
