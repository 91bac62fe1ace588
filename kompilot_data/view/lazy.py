"""Tables computed once per View, safely under threads (issue 24).

The app shares one View per key between every session (Streamlit runs each session's script in its own thread).
``functools.cached_property`` takes one lock per *attribute of the class* before Python 3.12, so two sessions
computing ``catchment`` for two different Views wait for each other; a plain per-instance dict (the old
``memoized``) lets two sessions with the same View compute the same table twice, doubling the peak memory.

:func:`computed` (a property) and :func:`memoized` (a method, cached per arguments) take a lock per instance and
table: one thread computes a table, the others asking for the same table wait for its result, and different
tables or different Views are computed in parallel. The locks are re-entrant, so a table that (wrongly) asks for
itself fails with ``RecursionError`` instead of hanging. Tables of one View depend on each other without cycles,
so threads that wait for each other's tables cannot deadlock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: The instance attribute holding the locks (one per table and arguments).
LOCKS = "_lazy_locks"


def _lock(instance: object, key: object) -> threading.RLock:
    # dict.setdefault is atomic under the GIL: two threads asking at once get the same dict and the same lock.
    locks = instance.__dict__.setdefault(LOCKS, {})
    lock = locks.get(key)
    if lock is None:
        lock = locks.setdefault(key, threading.RLock())
    return lock


class computed(Generic[T]):
    """Like ``functools.cached_property``, with a lock per instance and attribute instead of per class.

    The value is stored in the instance's ``__dict__`` under the attribute's name, so later reads do not come
    back here (as with ``cached_property``), and ``del view.attribute`` forgets it.
    """

    def __init__(self, function: Callable[[Any], T]):
        self.function = function
        self.name = function.__name__
        self.__doc__ = function.__doc__
        self.__module__ = function.__module__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> T:
        if instance is None:
            return self  # type: ignore[return-value]
        values = instance.__dict__
        if self.name in values:
            return values[self.name]
        with _lock(instance, self.name):
            if self.name not in values:  # another thread may have computed it while this one waited
                values[self.name] = self.function(instance)
            return values[self.name]


def memoized(method: Callable) -> Callable:
    """Cache a method's result per arguments on the instance (its ``_memo`` dict), computed by one thread while
    the others asking for the same arguments wait. For the View and the parts it owns: they are immutable once
    built, and callers must not modify what they return."""

    @wraps(method)
    def cached(self, *args, **kwargs):
        key = (method.__name__, args, tuple(sorted(kwargs.items())))
        memo = self._memo
        if key in memo:
            return memo[key]
        with _lock(self, key):
            if key not in memo:
                memo[key] = method(self, *args, **kwargs)
            return memo[key]

    return cached
