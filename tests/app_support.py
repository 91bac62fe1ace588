"""Running the app in AppTest, shared by the page tests."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"


def run_app(page: str | None = None, user: dict | None = None, secrets: dict | None = None, **query) -> AppTest:
    """Run app.py with ``query`` in the URL, optionally as ``user`` with ``secrets``; then switch to ``page``."""
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
