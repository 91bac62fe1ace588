"""The View's tables are computed once per View under threads, and Views do not wait for each other (issue 24)."""

import functools
import inspect
import threading
import time

import pytest

import kompilot_data as kd
from kompilot_data.view import View, core, lazy
from kompilot_data.view.brokering import Brokering
from kompilot_data.view.time_series import TimeSeries


class Table:
    """A stand-in for a View: ``value`` takes ``delay`` seconds; ``started`` is set when a computation begins."""

    def __init__(self, delay: float = 0.0, wait_for: threading.Event | None = None):
        self.calls = 0
        self.delay = delay
        self.started = threading.Event()
        self.wait_for = wait_for
        self._memo: dict = {}

    @lazy.computed
    def value(self) -> list[int]:
        self.calls += 1
        self.started.set()
        if self.wait_for is not None:
            assert self.wait_for.wait(5), "the other instance never started: computations were serialised"
        time.sleep(self.delay)
        return [self.calls]

    @lazy.memoized
    def scaled(self, factor: int) -> int:
        self.calls += 1
        time.sleep(self.delay)
        return factor * 10


def in_threads(*targets) -> list:
    results = [None] * len(targets)
    errors = []

    def run(i, target):
        try:
            results[i] = target()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors
    return results


def test_same_table_is_computed_once_and_the_others_wait():
    table = Table(delay=0.2)
    first, second, third = in_threads(lambda: table.value, lambda: table.value, lambda: table.value)
    assert table.calls == 1
    assert first is second is third  # the waiting threads got the very object the first computed
    assert table.value is first and table.calls == 1


def test_memoized_method_is_computed_once_per_arguments():
    table = Table(delay=0.2)
    results = in_threads(lambda: table.scaled(2), lambda: table.scaled(2), lambda: table.scaled(3))
    assert results == [20, 20, 30]
    assert table.calls == 2  # 2 once, 3 once
    assert table.scaled(factor=2) == 20  # keyword arguments are another key
    assert table.calls == 3


def test_two_instances_compute_in_parallel():
    # Each computation waits until the other has started: under a lock per class (cached_property before 3.12)
    # the second could never start and the first's assertion fails after 5 s.
    one_started, two_started = threading.Event(), threading.Event()
    one, two = Table(wait_for=two_started), Table(wait_for=one_started)
    one.started, two.started = one_started, two_started
    assert in_threads(lambda: one.value, lambda: two.value) == [[1], [1]]


def test_a_table_that_asks_for_itself_fails_instead_of_hanging():
    class Loop:
        @lazy.computed
        def value(self):
            return self.value

    with pytest.raises(RecursionError):
        _ = Loop().value


def test_forgetting_a_value_computes_it_again():
    table = Table()
    assert table.value == [1]
    del table.value
    assert table.value == [2]


def test_the_real_view_computes_catchment_once_under_threads(monkeypatch):
    calls = []
    original = core.supply.catchment

    def counted(*args, **kwargs):
        calls.append(threading.get_ident())
        time.sleep(0.1)
        return original(*args, **kwargs)

    monkeypatch.setattr(core.supply, "catchment", counted)
    view = View(kd.load_needs(), kd.load_offers())
    tables = in_threads(lambda: view.demand_supply(), lambda: view.demand_supply(), lambda: view.municipality_table)
    assert len(calls) == 1
    assert tables[0] is tables[1]
    assert tables[0]["ettersporsel"].sum() > 0


def test_no_view_class_uses_cached_property():
    """``functools.cached_property`` would bring back the lock per class (and could deadlock beside these locks)."""
    for cls in (View, TimeSeries, Brokering):
        for name, member in inspect.getmembers(cls):
            assert not isinstance(member, functools.cached_property), f"{cls.__name__}.{name}: use lazy.computed"
    assert isinstance(inspect.getattr_static(View, "catchment"), lazy.computed)
