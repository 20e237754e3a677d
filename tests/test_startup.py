"""``qa serve`` start-up: what counts as a missing index (that the module stays light: test_light_imports.py)."""

from __future__ import annotations

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

