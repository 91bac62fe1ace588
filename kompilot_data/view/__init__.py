"""The View: one computed view of the records per selection and audience, the only way to the numbers.

:class:`View` (``core``) holds the records and a :class:`ViewKey` (``key``: filters, audience, reach setting,
language, data version, day). Its helpers: the shared filters (``filters``), how needs are grouped and counted
(``grouping``), the time series (``time_series``, ``view.time``) and brokering (``brokering``, ``view.brokering``).
"""

from kompilot_data.view.core import FUNNEL_STAGES, View, protected_ok
from kompilot_data.view.key import COORDINATOR, VIEWER, Audience, ViewKey, region_filters
from kompilot_data.view.time_series import STAGE_DATES, default_since, parse_since

__all__ = [
    "COORDINATOR",
    "FUNNEL_STAGES",
    "STAGE_DATES",
    "VIEWER",
    "Audience",
    "View",
    "ViewKey",
    "default_since",
    "parse_since",
    "protected_ok",
    "region_filters",
]
