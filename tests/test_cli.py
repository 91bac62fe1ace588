import subprocess
import sys

import pandas as pd

from kompilot_data.cli import main


def test_help_lists_commands():
    result = subprocess.run(
        [sys.executable, "-m", "kompilot_data", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("build-reference", "demo", "validate"):
        assert command in result.stdout


def test_demo_then_validate(tmp_path, capsys):
    assert main(["demo", "--needs", "200", "--offers", "30", "--seed", "5", "--out", str(tmp_path)]) == 0
    assert len(pd.read_csv(tmp_path / "needs.csv")) == 200
    assert main(["validate", str(tmp_path / "offers.csv")]) == 0
    offers = pd.read_csv(tmp_path / "offers.csv", dtype=str, keep_default_na=False)
    assert (offers["demo"] == "ja").sum() == 30  # 30 demo offers beside the real catalogue
    assert f"{len(offers)} rader (tilbud), ingen feil." in capsys.readouterr().out


def test_validate_reports_row_and_column_and_exits_non_zero(tmp_path, capsys):
    main(["demo", "--needs", "20", "--offers", "5", "--out", str(tmp_path)])
    frame = pd.read_csv(tmp_path / "needs.csv", dtype=str, keep_default_na=False)
    frame.loc[3, "niva"] = "bachelor"
    bad = tmp_path / "behov.csv"
    frame.to_csv(bad, sep=";", index=False, encoding="cp1252")
    assert main(["validate", str(bad), "--kind", "needs"]) == 1
    out = capsys.readouterr().out
    assert "Rad 5, kolonne «niva»: «bachelor» er ikke en gyldig kode." in out
    assert "1 feil i 1 av 20 rader (behov)." in out


def test_missing_file_is_a_clear_error(capsys):
    assert main(["validate", "finnes-ikke.csv"]) == 2
    assert "Feil:" in capsys.readouterr().err
