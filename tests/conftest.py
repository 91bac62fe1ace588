"""What every test shares: a throw-away data folder per test process, and the fixtures that give a test the app's
database, a running app or a browser.

The suite runs in parallel (``pytest -n auto``, pytest-xdist): each worker is a process with its own data folder,
its own databases (``records_support``), its own ``streamlit run`` servers on free ports and its own Chromium.
"""

import os
import shutil
import tempfile

# The app's database goes to a throw-away folder, never into the working tree (one folder per test process).
os.environ.setdefault("KOMPILOT_DATA_DIR", tempfile.mkdtemp(prefix="kompilot-test-"))
os.environ.pop("KOMPILOT_DATABASE_URL", None)
# Backups are signed in the tests as in a deployment (records/backup.py); tests of unsigned backups unset it.
os.environ.setdefault("KOMPILOT_BACKUP_KEY", "kompilot-testnokkel-for-sikkerhetskopier-0123456789")

import pytest


def pytest_collection_modifyitems(config, items):
    """The longest tests first (``slow``, then ``browser``; each group in file order, so a module's browser tests
    stay together and share its fixtures), the short ones last: with ``--dist worksteal`` (pyproject.toml) a worker
    that is done takes over the rest of another's queue, and the workers finish at about the same time.

    Browser tests need Debian's chromium; CI sets KOMPILOT_REQUIRE_BROWSER=1 so they never skip there."""
    items.sort(key=lambda item: 0 if "slow" in item.keywords else 1 if "browser" in item.keywords else 2)
    if shutil.which("chromium") or os.environ.get("KOMPILOT_REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    from browser_support import close_shared_browser

    close_shared_browser()


def _app_database(tmp_path, monkeypatch, seeded: bool):
    import streamlit as st
    from records_support import sqlite_copy

    from kompilot_data.records import storage

    url = sqlite_copy(tmp_path / "app.sqlite", seeded=seeded)
    monkeypatch.setenv("KOMPILOT_DATABASE_URL", url)
    st.cache_resource.clear()  # the app's engine and records are cached per process
    engine = storage.make_engine(url, migrate=False)
    yield engine
    st.cache_resource.clear()
    engine.dispose()


@pytest.fixture
def app_database(tmp_path, monkeypatch):
    """The app's database for this test alone (AppTest runs in this process): a copy of the demo template."""
    yield from _app_database(tmp_path, monkeypatch, seeded=True)


@pytest.fixture
def empty_app_database(tmp_path, monkeypatch):
    """Like ``app_database``, migrated but without records (the app seeds the demo data on its first run)."""
    yield from _app_database(tmp_path, monkeypatch, seeded=False)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """One ``streamlit run app.py`` per test process, on its own copy of the demo database, for the browser tests
    that only read (a fresh browser context per test gives each its own session). Tests that write start their own
    (see ``tests/test_editor_browser.py``)."""
    from records_support import sqlite_copy

    from browser_support import served_app

    url = sqlite_copy(tmp_path_factory.mktemp("app_server") / "app.sqlite", seeded=True)
    with served_app(env={"KOMPILOT_DATABASE_URL": url}, timeout=180) as server:
        yield server
