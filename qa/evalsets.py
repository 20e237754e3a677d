"""Evaluation sets: the project's JSON lines and SQuAD-format JSON, read into one shape.

JSON lines (the README's *Answer quality*): ``{"id", "question", "answers": [...], "evidence": [{"doc", "quote"}]}``,
asked against an existing index. SQuAD JSON (``{"data": [{"title", "paragraphs": [{"context",
"qas"}]}]}``): every context becomes one article of an open corpus (``ctx-0000``, …), and each
question's gold article is its own context.
"""

from __future__ import annotations

import hashlib
import json
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from index.article import Article


def fold_of(gold_docs) -> int:
    """0 or 1 from the articles a question's answer is in: the one split by article that every fitting tool
    uses (tools/fit_short.py, tools/train_reader.py, tools/fit_reading.py), so their figures are out of fold."""
    return zlib.crc32("|".join(sorted(gold_docs)).encode()) % 2


@dataclass(frozen=True)
class EvalItem:
    """One question: its reference answers (empty: unanswerable) and the articles that hold them."""

    id: str
    question: str
    answers: tuple[str, ...]
    gold_docs: tuple[str, ...]
    quotes: tuple[str, ...] = ()
    article: str = ""  # SQuAD: its article's title (several contexts share one)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def fold(self) -> int:
        """0 or 1: the half of a two-fold split by article the question falls in (:func:`fold_of`)."""
        return fold_of(self.gold_docs)

    @property
    def group(self) -> str:
        """The article the question is about, to keep it on one side of a split: the SQuAD title, else
        the first gold article, else (unanswerable, no evidence) the question itself."""
        return self.article or (self.gold_docs[0] if self.gold_docs else f"question:{self.id}")


@dataclass(frozen=True)
class EvalSet:
    """Questions, and for SQuAD files the corpus they are asked against."""

    path: Path
    kind: str  # "jsonl" or "squad"
    items: tuple[EvalItem, ...]
    articles: tuple[Article, ...] = field(default=(), repr=False)
    digest: str = ""

    def subset(self, n: int | None, *, seed: int = 0) -> EvalSet:
        """A fixed random sample of ``n`` questions (all of them when ``n`` is None or larger)."""
        if n is None or n >= len(self.items):
            return self
        if n < 1:
            raise ValueError(f"sample size must be at least 1, got {n}")
        picked = sorted(random.Random(seed).sample(range(len(self.items)), n))
        return EvalSet(self.path, self.kind, tuple(self.items[i] for i in picked), self.articles, self.digest)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_eval_set(path: str | Path) -> EvalSet:
    """Read ``path`` as SQuAD JSON (a ``data`` object) or as JSON lines; ValueError names bad content."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such evaluation file")
    text = path.read_text(encoding="utf-8")
    head = text.lstrip()[:1]
    if head == "{":
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None  # JSON lines start with "{" too
        if isinstance(data, dict) and "data" in data:
            return _squad(path, data)
    return _jsonl(path, text)


def _jsonl(path: Path, text: str) -> EvalSet:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(
                EvalItem(
                    id=str(row.get("id") or f"line-{number}"),
                    question=str(row["question"]),
                    answers=tuple(str(a) for a in row.get("answers") or ()),
                    gold_docs=tuple(dict.fromkeys(str(e["doc"]) for e in row.get("evidence") or ())),
                    quotes=tuple(str(e["quote"]) for e in row.get("evidence") or () if e.get("quote")),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}:{number}: not an evaluation line ({exc})") from exc
    if not items:
        raise ValueError(f"{path}: no questions")
    return EvalSet(path=path, kind="jsonl", items=tuple(items), digest=hashlib.sha256(text.encode()).hexdigest())


def _squad(path: Path, data: dict) -> EvalSet:
    articles: list[Article] = []
    items: list[EvalItem] = []
    try:
        for entry in data["data"]:
            title = str(entry.get("title") or "")
            for paragraph in entry["paragraphs"]:
                doc_id = f"ctx-{len(articles):04d}"
                articles.append(Article(doc_id=doc_id, text=paragraph["context"], title=title))
                for qa in paragraph["qas"]:
                    answers = () if qa.get("is_impossible") else tuple(a["text"] for a in qa.get("answers") or ())
                    items.append(
                        EvalItem(
                            id=str(qa.get("id") or f"{doc_id}-q{len(items)}"),
                            question=str(qa["question"]),
                            answers=tuple(dict.fromkeys(answers)),
                            gold_docs=(doc_id,) if answers else (),
                            article=title or doc_id,
                        )
                    )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not SQuAD-format JSON ({exc!r} missing or malformed)") from exc
    if not items:
        raise ValueError(f"{path}: no questions")
    return EvalSet(path=path, kind="squad", items=tuple(items), articles=tuple(articles), digest=file_digest(path))
