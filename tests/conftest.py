import os
import shutil
import tempfile

# The app's database goes to a throw-away folder, never into the working tree.
os.environ.setdefault("KOMPILOT_DATA_DIR", tempfile.mkdtemp(prefix="kompilot-test-"))
os.environ.pop("KOMPILOT_DATABASE_URL", None)

import pytest


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's chromium; CI sets KOMPILOT_REQUIRE_BROWSER=1 so they never skip there."""
    if shutil.which("chromium") or os.environ.get("KOMPILOT_REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
