"""The articles of an opened index, read from ``articles.jsonl`` when asked for.

A served index needs an article's text only for the few passages it shows. Holding every
text in memory would cost more than the model at a million chunks (~0.8 GB for 200,000
articles), so :class:`ArticleFile` keeps the byte offset and id of each line and parses a
line (``os.pread``) when an article is asked for, with a small cache of recent ones.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from index.article import Article

CACHED = 512  # articles kept parsed


class ArticleFile(Sequence[Article]):
    """``articles.jsonl`` as a read-only sequence of :class:`Article` (article number → article)."""

    def __init__(self, path: str | Path, *, parse: Callable[[dict], Article]) -> None:
        self.path = Path(path)
        self._parse = parse
        offsets, ids = [0], []
        with self.path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                try:
                    ids.append(str(json.loads(line)["doc_id"]))
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{self.path}, line {number}: not an article ({exc})") from exc
                offsets.append(offsets[-1] + len(line))
        self._offsets = np.array(offsets, dtype=np.int64)
        self.doc_ids: tuple[str, ...] = tuple(ids)
        self._fd = os.open(self.path, os.O_RDONLY)
        self._cache: OrderedDict[int, Article] = OrderedDict()
        self._lock = threading.Lock()  # the web UI reads articles from several threads

    def __len__(self) -> int:
        return len(self.doc_ids)

    def __getitem__(self, number):  # type: ignore[override]
        if isinstance(number, slice):
            return [self[i] for i in range(*number.indices(len(self)))]
        number = int(number)
        if number < 0:
            number += len(self)
        if not 0 <= number < len(self):
            raise IndexError(f"article number {number} out of range (0..{len(self) - 1})")
        with self._lock:
            article = self._cache.get(number)
            if article is not None:
                self._cache.move_to_end(number)
                return article
        start, end = int(self._offsets[number]), int(self._offsets[number + 1])
        article = self._parse(json.loads(os.pread(self._fd, end - start, start)))
        with self._lock:
            self._cache[number] = article
            if len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return article

    def close(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()


class ArticlesById(Mapping[str, Article]):
    """doc_id → :class:`Article` over a sequence of articles, without holding their texts."""

    def __init__(self, articles: Sequence[Article], number: Mapping[str, int]) -> None:
        self._articles = articles
        self._number = number

    def __getitem__(self, doc_id: str) -> Article:
        return self._articles[self._number[doc_id]]

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._number

    def __iter__(self) -> Iterator[str]:
        return iter(self._number)

    def __len__(self) -> int:
        return len(self._number)
