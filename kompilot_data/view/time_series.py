"""The View's time series (issue 10 §4): what changed since the last forum, per quarter and per semester.

:class:`TimeSeries` is owned by a :class:`~kompilot_data.view.View` (``view.time``) and reads only through it:
every count of needs is protected for viewers like the View's other tables; offers are public.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from kompilot_data.engine import disclosure
from kompilot_data.reference import OUTSIDE_PILOT, SUBREGIONS, taxonomy
from kompilot_data.view.filters import DATE_MIN
from kompilot_data.view.grouping import count_table, lines, need_key, quarter_of, weights
from kompilot_data.view.key import ViewPart, memoized
from kompilot_data.view.lazy import computed
from kompilot_data.view.protection import perturb_table, perturb_total

#: Pipeline steps after registration and the need column holding the date each was reached (issue 13).
STAGE_DATES = {"koblet": "koblet_dato", "etablert": "etablert_dato", "gjennomfort": "gjennomfort_dato"}
#: What :meth:`TimeSeries.since` counts, and the periods its protection adds up.
SINCE_EVENTS = ("registrert", *STAGE_DATES)
SINCE_PERIODS = ("for", "siden", "ikke")
#: Origins of offers: real (HK-dir's catalogue, registered offers) and demo.
ORIGINS = ("reell", "demo")
#: The default "last forum": this many months before the view's day.
SINCE_MONTHS = 3


def default_since(today: date) -> date:
    """The default start of "since the last forum": :data:`SINCE_MONTHS` months before ``today``
    (the same day of the month, or the month's last day)."""
    return (pd.Timestamp(today) - pd.DateOffset(months=SINCE_MONTHS)).date()


def parse_since(text: str | None, today: date) -> date:
    """The ``siden`` page parameter (``2026-09-01``) as a date; :func:`default_since` when it is missing, not a
    date, or after ``today``."""
    try:
        value = date.fromisoformat(str(text).strip()) if text else None
    except ValueError:
        value = None
    return value if value is not None and DATE_MIN <= value <= today else default_since(today)


def semester_of(dates: pd.Series) -> pd.Series:
    """The first day of each date's semester: 1 January (spring, January-June) or 1 July (autumn)."""
    dates = pd.to_datetime(dates)
    months = np.where(dates.dt.month.to_numpy() <= 6, 1, 7)
    return pd.Series(pd.to_datetime({"year": dates.dt.year, "month": months, "day": 1}).to_numpy(), index=dates.index)




class TimeSeries(ViewPart):
    """Trends of one View: needs and pipeline steps per quarter, "since the last forum", offers per semester."""

    @computed
    def quarters(self) -> pd.DatetimeIndex:
        """Every quarter (its first day) from the first registration to the last dated event of the view's
        needs (registration or a pipeline step), so a time axis has no holes."""
        needs = self.view.needs
        dates = [needs["registrert"], *(needs[c] for c in STAGE_DATES.values() if c in needs.columns)]
        stamps = pd.concat([pd.Series(pd.to_datetime(d).to_numpy()) for d in dates], ignore_index=True).dropna()
        if stamps.empty:
            return pd.DatetimeIndex([], name="kvartal")
        first, last = stamps.min().to_period("Q"), stamps.max().to_period("Q")
        return pd.period_range(first, last, freq="Q").to_timestamp().rename("kvartal")

    def needs_per_quarter(self, measure: str = "behov") -> pd.DataFrame:
        """Needs registered (``behov``; ``deltakere``: their participants) per quarter (``kvartal``: the
        quarter's first day) and sub-region (``delregion``, outside the pilot included); protected.

        Every quarter of :attr:`quarters` and every sub-region appear (zeros included). Published totals: each
        quarter's, each sub-region's and the grand total (hidden ones in :meth:`needs_per_quarter_totals`).
        """
        return self._needs_per_quarter(measure)[0]

    def needs_per_quarter_totals(self, measure: str = "behov") -> pd.DataFrame:
        """Per quarter, the needs registered in all sub-regions together: ``behov`` (NaN where the total must be
        hidden), ``skjult``, from the same protection as :meth:`needs_per_quarter`, and ``primaer``: a hidden
        total that itself rests on ``0 < businesses < threshold`` (the distinct businesses whose needs were
        registered in the quarter); any other hidden total is a complement (":")."""
        hidden = self._needs_per_quarter(measure)[1]
        needs = self.view.needs
        quarter = quarter_of(needs["registrert"]).to_numpy()
        totals = weights(needs, measure).groupby(quarter).sum()
        totals = totals.reindex(self.quarters, fill_value=0.0).rename(measure).to_frame()
        totals["skjult"] = [("per_kvartal", (q,)) in hidden for q in totals.index]
        totals.loc[totals["skjult"], measure] = np.nan
        businesses = needs["bedrift_id"].groupby(quarter).nunique().reindex(totals.index, fill_value=0)
        small = (businesses > 0) & (businesses < self.view.threshold)
        totals["primaer"] = totals["skjult"].to_numpy(bool) & small.to_numpy()
        totals.index.name = "kvartal"
        if self.view.threshold:  # each quarter's total is a cell of its own (cell key method)
            rows = pd.DataFrame(
                {
                    "kvartal": quarter,
                    "bedrift_id": needs["bedrift_id"].to_numpy(),
                    "behov_id": needs["behov_id"].to_numpy(),
                },
                index=needs.index,
            )
            totals = perturb_table(totals, [measure], rows, self.view.all_needs)
        return totals

    @memoized
    def _needs_per_quarter(self, measure: str) -> tuple[pd.DataFrame, frozenset]:
        needs = self.view.needs
        keys = pd.DataFrame(
            {
                "kvartal": quarter_of(needs["registrert"]).to_numpy(),
                "delregion": need_key(needs, "delregion").to_numpy(),
                "bedrift_id": needs["bedrift_id"].to_numpy(),
                "behov_id": needs["behov_id"].to_numpy(),
            },
            index=needs.index,
        )
        index = pd.MultiIndex.from_product(
            [self.quarters, [*SUBREGIONS, OUTSIDE_PILOT]], names=["kvartal", "delregion"]
        )
        table = count_table(keys, weights(needs, measure), ["kvartal", "delregion"], index, measure)
        return self.view.protect(table, [measure], lines(("kvartal", "delregion")), keys)

    @memoized
    def pipeline_per_quarter(self) -> pd.DataFrame:
        """Needs that reached each pipeline step (``trinn``: koblet, etablert, gjennomfort) per quarter of the
        **date they reached it** (``koblet_dato``, ``etablert_dato``, ``gjennomfort_dato``), not of their
        registration; protected. A need counts once for every step it has a date for; a missing date counts
        nowhere (:meth:`undated_steps` says how many).

        Index (``kvartal``, ``trinn``) over :attr:`quarters` × the three steps; columns ``behov``,
        ``bedrifter``, ``skjult``. Published totals: per step (the funnel shows how many reached each step)
        and the grand total; a quarter's sum over the steps is shown nowhere, so it is no line.
        """
        events = self._step_events()
        index = pd.MultiIndex.from_product([self.quarters, list(STAGE_DATES)], names=["kvartal", "trinn"])
        keys = events[["kvartal", "trinn", "bedrift_id", "behov_id"]]
        table = count_table(keys, pd.Series(1.0, index=events.index), ["kvartal", "trinn"], index, "behov")
        return self.view.protect(table, ["behov"], {"total": (), "per_trinn": ("trinn",)}, keys)[0]

    def has_step_dates(self) -> bool:
        """Whether any need in the records has a date for a pipeline step (files from before the dates were
        recorded have none)."""
        needs = self.view.all_needs
        return any(c in needs.columns and bool(needs[c].notna().any()) for c in STAGE_DATES.values())

    @memoized
    def undated_steps(self) -> pd.Series:
        """Per step: needs whose status says they reached it but that have no date for it (counted in no quarter);
        NaN for viewers when fewer than ``min_businesses`` businesses are behind the number."""
        needs = self.view.needs
        stage = needs["status"].map(taxonomy.attribute("behov_status", "trinn")).astype(float)
        counts = {}
        for k, (step, column) in enumerate(STAGE_DATES.items(), start=2):
            dates = needs[column] if column in needs.columns else pd.Series(pd.NaT, index=needs.index)
            missing = (stage.to_numpy() >= k) & dates.isna().to_numpy()
            value = disclosure.protect_total(
                int(missing.sum()), needs.loc[missing, "bedrift_id"].nunique(), self.view.threshold
            )
            if value is not None and self.view.threshold:  # a count of its own (cell key method)
                value = perturb_total(float(value), needs[missing], self.view.all_needs, "behov")
            counts[step] = float("nan") if value is None else float(value)
        return pd.Series(counts, name="behov")

    def _step_events(self) -> pd.DataFrame:
        """One row per (need, step it has a date for): ``trinn``, ``dato``, ``kvartal``, ``bedrift_id``, ``tilbud_id``."""
        needs = self.view.needs
        frames = []
        for step, column in STAGE_DATES.items():
            if column not in needs.columns:
                continue
            dated = needs[needs[column].notna().to_numpy()]
            dates = pd.to_datetime(dated[column])
            frames.append(
                pd.DataFrame(
                    {
                        "trinn": step,
                        "dato": dates.to_numpy(),
                        "kvartal": quarter_of(dates).to_numpy(),
                        "bedrift_id": dated["bedrift_id"].to_numpy(),
                        "tilbud_id": (
                            dated["tilbud_id"].astype("string").to_numpy()
                            if "tilbud_id" in dated.columns
                            else pd.array([pd.NA] * len(dated), dtype="string")
                        ),
                        "behov_id": dated["behov_id"].to_numpy(),
                    }
                )
            )
        if not frames:
            return pd.DataFrame(
                {
                    c: pd.Series(dtype=t)
                    for c, t in [
                        ("trinn", object),
                        ("dato", "datetime64[ns]"),
                        ("kvartal", "datetime64[ns]"),
                        ("bedrift_id", object),
                        ("tilbud_id", "string"),
                        ("behov_id", object),
                    ]
                }
            )
        return pd.concat(frames, ignore_index=True)

    @memoized
    def since(self, start: date) -> pd.DataFrame:
        """What happened on or after ``start`` (the last forum): per event (``hendelse``) - ``registrert`` (new
        needs), ``koblet`` (needs matched to an offer), ``etablert`` (needs whose course was established),
        ``gjennomfort`` - the needs (``behov``), ``skjult``, ``primaer`` (hidden because fewer than the threshold's
        businesses are behind it, not as a complement), and ``kurs``: the distinct offers (``tilbud_id``) behind the
        established and completed ones (a need without ``tilbud_id`` counts as its own course).

        Protected for viewers: per event, the needs that reached it before ``start`` and since ``start`` add up
        to those that reached it at all (which the funnel shows), and with those never (yet) reaching it to the
        view's needs; so a hidden "since" cell hides the "before" cell too. (Comparing two start dates, or a
        start date with the quarters of :meth:`pipeline_per_quarter`, is comparing two selections, which no
        protection covers - see the About page.)
        """
        start = pd.Timestamp(start)
        needs = self.view.needs
        frames = [
            pd.DataFrame(
                {
                    "hendelse": "registrert",
                    "periode": np.where(needs["registrert"] >= start, "siden", "for"),
                    "bedrift_id": needs["bedrift_id"].to_numpy(),
                    "behov_id": needs["behov_id"].to_numpy(),
                    "tilbud_id": pd.array([pd.NA] * len(needs), dtype="string"),
                }
            )
        ]
        for step, column in STAGE_DATES.items():
            dates = pd.to_datetime(needs[column]) if column in needs.columns else pd.Series(pd.NaT, index=needs.index)
            period = np.where(dates.isna(), "ikke", np.where(dates >= start, "siden", "for"))
            offer = needs["tilbud_id"].astype("string") if "tilbud_id" in needs.columns else None
            frames.append(
                pd.DataFrame(
                    {
                        "hendelse": step,
                        "periode": period,
                        "bedrift_id": needs["bedrift_id"].to_numpy(),
                        "behov_id": needs["behov_id"].to_numpy(),
                        "tilbud_id": offer.to_numpy()
                        if offer is not None
                        else pd.array([pd.NA] * len(needs), dtype="string"),
                    }
                )
            )
        events = pd.concat(frames, ignore_index=True)
        events["naadd"] = np.where(events["periode"] == "ikke", "nei", "ja")
        by = ["hendelse", "naadd", "periode"]
        index = pd.MultiIndex.from_tuples(
            [(e, "nei" if p == "ikke" else "ja", p) for e in SINCE_EVENTS for p in SINCE_PERIODS], names=by
        )
        keys = events[[*by, "bedrift_id", "behov_id"]]
        table = count_table(keys, pd.Series(1.0, index=events.index), by, index, "behov")
        lines = {"per_hendelse": ("hendelse",), "per_hendelse_naadd": ("hendelse", "naadd")}
        protected = self.view.protect(table, ["behov"], lines, keys)[0]
        since = protected.xs("siden", level="periode").droplevel("naadd")
        result = since[["behov", "bedrifter", "skjult", "primaer"]].copy()
        recent = events[events["periode"] == "siden"]
        courses = {}
        for event in SINCE_EVENTS:
            part = recent[recent["hendelse"] == event]
            offers = part["tilbud_id"].dropna()
            courses[event] = float(offers.nunique() + part["tilbud_id"].isna().sum())
        result["kurs"] = pd.Series(courses).reindex(result.index)
        result.loc[result["skjult"], "kurs"] = np.nan
        result.loc[result.index == "registrert", "kurs"] = np.nan
        return result

    @memoized
    def offers_per_semester(self) -> pd.DataFrame:
        """Offers per semester of their start (``semester``: 1 January for spring, 1 July for autumn) and origin
        (``opprinnelse``: ``reell`` - real offers, e.g. HK-dir's catalogue - or ``demo``); cancelled offers are
        left out. ``tilbud`` and ``plasser``: offers that have started (on or before the view's day);
        ``planlagt`` and ``planlagte_plasser``: offers still to start. Offers are public: nothing is hidden.
        """
        offers = self.view.offers
        offers = offers[(offers["status"].astype("string") != "avlyst").to_numpy(dtype=bool, na_value=True)]
        offers = offers[offers["oppstart"].notna().to_numpy()]
        semester = semester_of(offers["oppstart"])
        started = (offers["oppstart"] <= pd.Timestamp(self.view.key.today)).to_numpy()
        seats = offers["kapasitet"].astype(float).fillna(0).to_numpy()
        frame = pd.DataFrame(
            {
                "semester": semester.to_numpy(),
                "opprinnelse": np.where(offers["demo"].to_numpy(dtype=bool), "demo", "reell"),
                "tilbud": started.astype(float),
                "plasser": np.where(started, seats, 0.0),
                "planlagt": (~started).astype(float),
                "planlagte_plasser": np.where(started, 0.0, seats),
            }
        )
        if len(frame):
            first, last = frame["semester"].min(), frame["semester"].max()
            semesters = pd.date_range(first, last, freq="6MS")
        else:
            semesters = pd.DatetimeIndex([])
        index = pd.MultiIndex.from_product([semesters, list(ORIGINS)], names=["semester", "opprinnelse"])
        table = frame.groupby(["semester", "opprinnelse"]).sum().reindex(index, fill_value=0.0)
        table["skjult"] = False
        return table
