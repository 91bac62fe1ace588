"""Running the app in AppTest, shared by the page tests.

* :func:`run_app` runs the app for one test: use it when the test clicks, types or changes the database.
* :func:`rendered` gives the render of a page that every test of this process asking for the same page, query,
  user and secrets shares: for checks that only read what is on the page (it is rendered once per process, not
  once per test).
"""

import json
import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"


def _default_database() -> None:
    """The process's own app database (SQLite in KOMPILOT_DATA_DIR, see conftest) starts as a copy of the demo
    template, so no test pays for seeding it on the app's first run."""
    if os.environ.get("KOMPILOT_DATABASE_URL"):
        return
    target = Path(os.environ["KOMPILOT_DATA_DIR"]) / "kompilot.sqlite"
    if not target.exists():
        from records_support import sqlite_copy

        sqlite_copy(target, seeded=True)


def run_app(page: str | None = None, user: dict | None = None, secrets: dict | None = None, **query) -> AppTest:
    """Run app.py with ``query`` in the URL, optionally as ``user`` with ``secrets``; then switch to ``page``."""
    _default_database()
    app = AppTest.from_file(str(APP), default_timeout=90)
    for key, value in (secrets or {}).items():
        app.secrets[key] = value
    if user is not None:
        app.user = user
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    if page:
        app.switch_page(page)
        app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


_RENDERS: dict[str, AppTest] = {}


def rendered(page: str | None = None, user: dict | None = None, secrets: dict | None = None, **query) -> AppTest:
    """:func:`run_app` once per process for each page, query, user and secrets, on the process's own database;
    only for tests that read the page and neither click nor change anything."""
    assert not os.environ.get("KOMPILOT_DATABASE_URL"), "shared renders are of the default database only"
    key = json.dumps([page, user, secrets, query], sort_keys=True, default=str)
    if key not in _RENDERS:
        _RENDERS[key] = run_app(page, user=user, secrets=secrets, **query)
    return _RENDERS[key]
