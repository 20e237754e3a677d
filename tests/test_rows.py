"""Rows of a .npy matrix read on demand (the sentence vectors of a large index)."""

from __future__ import annotations

import numpy as np
import pytest

from index.rows import RowFile


@pytest.fixture
def matrix(tmp_path):
    data = np.arange(50 * 6, dtype=np.float16).reshape(50, 6)
    np.save(tmp_path / "m.npy", data)
    return data, RowFile(tmp_path / "m.npy")


def test_rows_in_any_order_with_repeats_are_those_of_the_array(matrix):
    data, rows = matrix
    picked = np.array([7, 3, 4, 5, 49, 3, 0])
    assert np.array_equal(rows[picked], data[picked])
    assert rows[picked].dtype == np.float16


def test_a_single_row_a_slice_a_mask_and_negative_rows(matrix):
    data, rows = matrix
    assert np.array_equal(rows[12], data[12])
    assert np.array_equal(rows[10:20:3], data[10:20:3])
    mask = np.zeros(50, dtype=bool)
    mask[[1, 2, 40]] = True
    assert np.array_equal(rows[mask], data[mask])
    assert np.array_equal(rows[np.array([-1])], data[[-1]])


def test_the_whole_file_as_an_array(matrix):
    data, rows = matrix
    assert len(rows) == 50 and rows.shape == (50, 6)
    assert np.array_equal(np.asarray(rows, dtype=np.float32), data.astype(np.float32))
    assert rows[np.array([], dtype=np.int64)].shape == (0, 6)


def test_out_of_range_rows_are_refused(matrix):
    _, rows = matrix
    with pytest.raises(IndexError, match="row out of range 0..49"):
        rows[np.array([50])]


def test_a_truncated_file_is_named(tmp_path):
    np.save(tmp_path / "m.npy", np.ones((10, 4), dtype=np.float32))
    data = (tmp_path / "m.npy").read_bytes()
    (tmp_path / "m.npy").write_bytes(data[:-8])
    with pytest.raises(ValueError, match="m.npy: truncated"):
        RowFile(tmp_path / "m.npy")
