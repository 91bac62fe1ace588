"""Guards on the project's layout: the data package stays free of streamlit, and no ``pages/`` folder appears."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import kompilot_data

ROOT = Path(__file__).resolve().parents[1]


def _package_modules() -> list[str]:
    names = []
    for module in pkgutil.walk_packages(kompilot_data.__path__, "kompilot_data."):
        if ".migrations" in module.name or module.name.endswith("__main__"):
            continue
        names.append(module.name)
    return names


def test_the_package_has_layer_folders():
    modules = set(_package_modules())
    for layer in ("reference", "records", "engine", "present"):
        assert f"kompilot_data.{layer}" in modules
    flat = [name for name in modules if name.count(".") == 1 and not (ROOT / name.replace(".", "/")).is_dir()]
    assert len(flat) <= 10, f"top-level modules should live in a layer folder: {sorted(flat)}"


def test_no_module_of_the_package_imports_streamlit():
    """Each module is imported in a fresh interpreter, so one import cannot hide another's."""
    modules = _package_modules()
    assert len(modules) > 20
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    assert 'streamlit' not in sys.modules, name\n"
        "print('ok', len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ok")


def test_no_pages_folder_beside_app_py():
    """A ``pages/`` folder beside app.py makes Streamlit 1.67 set ``PagesManager.uses_pages_directory`` on the
    server's first session and run the old automatic multipage mode (``_mpa_v1``) until ``st.navigation`` has run,
    so deep links on a fresh server ignore the page registry. The pages live in ``app_pages/`` (see README)."""
    assert not (ROOT / "pages").exists(), "rename pages/ – see README, section 'Why app_pages/'"
    assert (ROOT / "app_pages").is_dir()
