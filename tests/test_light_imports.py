"""`import qa` stays light, and so do the command line's help and `qa serve`'s start-up module: none of them
imports torch, Gradio, FAISS or ONNX Runtime (the one test of it; each case in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAVY = ("torch", "gradio", "faiss", "onnxruntime")
HELP = "from ui.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"

CASES = {
    "import qa": "import qa\nfrom qa import Answer, Assistant, Retriever\nimport qa.settings",
    "qa --help": HELP.format(argv=["--help"]),
    "qa ask --help": HELP.format(argv=["ask", "--help"]),
    "import ui.startup": "import ui, ui.startup, ui.settings",
}


@pytest.mark.parametrize("code", CASES.values(), ids=CASES.keys())
def test_stays_light(code):
    check = f"{code}\nimport sys\nprint(sorted(set({HEAVY!r}) & set(sys.modules)), file=sys.stderr)"
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip().splitlines()[-1] == "[]"
