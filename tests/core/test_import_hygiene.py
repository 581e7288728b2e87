"""The core is headless: importing every core module loads neither Textual nor Rich."""

import pkgutil
import subprocess
import sys

import annotator.core


def test_core_imports_no_textual() -> None:
    modules = [f"annotator.core.{info.name}" for info in pkgutil.iter_modules(annotator.core.__path__)]
    assert "annotator.core.store" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_cli_help_imports_no_textual() -> None:
    code = (
        "import sys\n"
        "from annotator.cli import build_parser\n"
        "build_parser()\n"
        "print(any(m.startswith('textual') for m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
