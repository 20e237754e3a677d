"""Rows of a ``.npy`` matrix read on demand: what a large index does with its sentence vectors.

A question needs the vectors of a few hundred sentences out of millions. A memory map would
do, but each page it touches brings its neighbours into the process (read-around, large page
-cache folios): on a million-chunk index, a few dozen questions made the map's resident size
grow by gigabytes. :class:`RowFile` reads exactly the rows asked for, with positioned reads
(``os.pread``) of each run of consecutive rows, and keeps nothing but the open file.

>>> vectors = RowFile("index/sentence_vectors.npy")      # doctest: +SKIP
>>> vectors[np.array([7, 3, 4])].shape                    # doctest: +SKIP
(3, 384)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class RowFile:
    """A read-only 2-D ``.npy`` file (C order) indexed by rows; ``np.asarray`` reads it whole."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with self.path.open("rb") as fh:
            version = np.lib.format.read_magic(fh)
            fmt = np.lib.format
            read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, fortran, dtype = read_header(fh)
            self._offset = fh.tell()
        if len(shape) != 2 or fortran or dtype.hasobject:
            raise ValueError(f"{self.path}: a 2-D C-ordered numeric array is needed, got shape {shape}")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(dtype)
        self._row_bytes = self.shape[1] * self.dtype.itemsize
        expected = self._offset + self.shape[0] * self._row_bytes
        if self.path.stat().st_size < expected:
            raise ValueError(f"{self.path}: truncated ({self.path.stat().st_size} bytes, {expected} expected)")
        self._fd = os.open(self.path, os.O_RDONLY)

    ndim = 2

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            return self.rows(np.array([key]))[0]
        if isinstance(key, slice):
            return self.rows(np.arange(self.shape[0])[key])
        return self.rows(np.asarray(key))

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The rows ``rows`` (any order, repeats allowed; negative numbers count from the end)."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        rows = rows.astype(np.int64).reshape(-1)
        rows = np.where(rows < 0, rows + self.shape[0], rows)
        if len(rows) and (rows.min() < 0 or rows.max() >= self.shape[0]):
            raise IndexError(f"{self.path}: row out of range 0..{self.shape[0] - 1}")
        wanted, back = np.unique(rows, return_inverse=True)
        out = np.empty((len(wanted), self.shape[1]), dtype=self.dtype)
        if len(wanted):
            breaks = np.flatnonzero(np.diff(wanted) != 1) + 1
            starts = np.concatenate([[0], breaks])
            stops = np.concatenate([breaks, [len(wanted)]])
            flat = out.reshape(-1).view(np.uint8)
            for a, b in zip(starts.tolist(), stops.tolist()):
                size = (b - a) * self._row_bytes
                data = os.pread(self._fd, size, self._offset + int(wanted[a]) * self._row_bytes)
                if len(data) != size:
                    raise OSError(f"{self.path}: short read")
                flat[a * self._row_bytes : a * self._row_bytes + size] = np.frombuffer(data, dtype=np.uint8)
        return out[back.reshape(-1)]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = np.load(self.path)
        return whole if dtype is None else whole.astype(dtype, copy=False)

    def close(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()
