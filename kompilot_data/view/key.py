"""What a View depends on besides the records: the audience and the key (hashable, so the app caches one View per
key), and the per-instance cache of the View's methods."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from kompilot_data.engine.disclosure import MIN_BUSINESSES
from kompilot_data.engine.reach import DEFAULT_REACH, ReachSetting
from kompilot_data.reference.regions import Region
from kompilot_data.view.filters import Filters
from kompilot_data.view.lazy import memoized  # noqa: F401 - the View's modules import it from here

COORDINATOR = "koordinator"
VIEWER = "leser"


@dataclass(frozen=True)
class Audience:
    """Who looks: a coordinator sees everything; a viewer sees no cell built on fewer than ``min_businesses``."""

    role: str = COORDINATOR
    min_businesses: int = 0

    @classmethod
    def coordinator(cls) -> Audience:
        return cls(COORDINATOR, 0)

    @classmethod
    def viewer(cls, min_businesses: int = MIN_BUSINESSES) -> Audience:
        return cls(VIEWER, min_businesses)

    @property
    def sees_records(self) -> bool:
        return self.role == COORDINATOR


@dataclass(frozen=True)
class ViewKey:
    """Everything a view depends on besides the records; hashable, so the app caches one View per key."""

    filters: Filters = field(default_factory=Filters)
    audience: Audience = field(default_factory=Audience)
    reach: ReachSetting = DEFAULT_REACH
    language: str = "nb"
    data_version: int = 0
    decay: str = "ingen"
    #: Background demand (workers' own further education, SSB 07984 × LVM) competes for the seats; False = "bare
    #: registrerte behov" (only registered needs) - issue 20.
    bakgrunn: bool = True
    #: The day the view is computed for (offers under way and ended time windows depend on it).
    today: date = field(default_factory=date.today)

    def for_region(self, region: Region, audience: Audience | None = None) -> ViewKey:
        """This key with the place part of the filter replaced by ``region`` (a sub-region, a municipality, or the
        county: no place filter), and the audience by ``audience`` if given."""
        return replace(self, filters=region_filters(self.filters, region), audience=audience or self.audience)


def region_filters(filters: Filters, region: Region) -> Filters:
    """``filters`` without their place part, narrowed to ``region``'s municipalities."""
    base = filters.without_place()
    if region.kind == "delregion":
        return base.with_(delregioner=(region.key,))
    if region.kind == "kommune":
        return base.with_(kommuner=(region.key,))
    return base


class ViewPart:
    """A part a View owns (``view.time``, ``view.brokering``): it reads only through the View and caches its
    results per instance, as the View does."""

    def __init__(self, view):
        self.view = view
        self._memo: dict[tuple, object] = {}
