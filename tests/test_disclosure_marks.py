"""Issue 23: the Kart table's mark and the map hover's mark for a hidden municipality come from one function
(main showed ":" in the table where the hover said "<3")."""

import pandas as pd
import pytest
from test_hidden_marks import _needs  # the same four municipalities: 1, 6, 4 and 5 businesses

import kompilot_data as kd
from kompilot_data.engine.reach import ReachSetting
from kompilot_data.present import maps, tables
from kompilot_data.reference.indicators import INDICATORS
from kompilot_data.view import Audience, View, ViewKey

ROYRVIK, GRONG = "5043", "5045"
BUSINESSES = {ROYRVIK: 1, "5007": 6, GRONG: 4, "5025": 5}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    key = ViewKey(audience=Audience.viewer(), reach=ReachSetting("luftlinje", 90))
    return View(_needs(), kd.load_offers(), key).municipality_table


def _hover(fig, code: str) -> str:
    for trace in fig.data:
        for row in trace.customdata if trace.customdata is not None else []:
            if row[1] == code:
                return row[3]
    raise AssertionError(code)


@pytest.mark.parametrize("indicator", [k for k, spec in INDICATORS.items() if spec.estimate])
def test_the_map_table_and_the_hover_show_the_same_mark(table, indicator):
    column = INDICATORS[indicator].column
    shown = maps.map_table(table, indicator)
    display = tables.display_table(shown, "nb", columns=["navn", "delregion", column])
    marks = dict(zip(display.iloc[:, 0], display.iloc[:, -1], strict=True))
    fig = maps.choropleth_map(table, indicator, "nb")
    names = table["navn"]
    for code in table.index[table["skjult"].to_numpy(bool)]:
        assert marks[names[code]] == _hover(fig, code) == maps.hover_marks(table, indicator)[table.index.get_loc(code)]
    assert marks[names[ROYRVIK]] == "<3" and marks[names[GRONG]] == ":"
