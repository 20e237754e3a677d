"""``qa serve`` start-up: what counts as a missing index, and no Gradio import before it is needed."""

from __future__ import annotations

import subprocess
import sys

from ui.startup import index_is_missing


def test_an_absent_index_directory_is_missing(tmp_path):
    assert index_is_missing(tmp_path / "index")


def test_an_empty_index_directory_is_missing(tmp_path):
    (tmp_path / "index").mkdir()
    assert index_is_missing(tmp_path / "index")


def test_a_directory_with_files_is_not_missing(tmp_path):
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "manifest.json").write_text("{}", encoding="utf-8")
    assert not index_is_missing(tmp_path / "index")


def test_the_start_up_module_imports_neither_gradio_nor_torch():
    code = "import sys, ui.startup; print('gradio' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
