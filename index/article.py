"""Articles: one UTF-8 ``.txt`` or ``.md`` file each, with optional front matter.

Front matter sits between two ``---`` lines at the very top of the file and holds
``key: value`` lines; known keys are ``title``, ``source``, ``date`` (ISO 8601:
``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) and ``url``. The article's ``text`` is
everything after the closing ``---`` line, exactly as in the file: every offset the
project reports points into that text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SUFFIXES = (".txt", ".md")
KNOWN_KEYS = ("title", "source", "date", "url")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_ID = re.compile(r"[^\w.-]+")


class CorpusError(ValueError):
    """A corpus file that cannot be loaded; the message names the file and the problem."""


@dataclass(frozen=True)
class Article:
    """One news article: its id (the file name without suffix), metadata and text."""

    doc_id: str
    text: str
    title: str = ""
    source: str = ""
    date: str = ""
    url: str = ""
    path: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.doc_id:
            raise ValueError("Article.doc_id must not be empty")
        if self.date and not _DATE.match(self.date):
            raise ValueError(f"Article.date must be ISO (YYYY, YYYY-MM or YYYY-MM-DD), got {self.date!r}")

    @property
    def display_title(self) -> str:
        """The title, or the article's first non-empty line cut to 90 characters."""
        if self.title:
            return self.title
        first = next((line.strip() for line in self.text.splitlines() if line.strip()), self.doc_id)
        return first if len(first) <= 90 else first[:89].rsplit(" ", 1)[0] + "…"


def doc_id_for(path: Path) -> str:
    """The article id for a file: its stem, with unsafe characters replaced by ``-``."""
    return _ID.sub("-", unicodedata.normalize("NFC", path.stem)).strip("-") or "article"


def parse_article(raw: str, *, doc_id: str, path: str = "") -> Article:
    """Split ``raw`` into front matter and text, and validate the front matter."""
    where = path or doc_id
    meta: dict[str, str] = {}
    text = raw
    if raw.startswith("\ufeff"):
        raw = text = raw[1:]
    if raw.startswith("---\n") or raw.startswith("---\r\n"):
        lines = raw.splitlines(keepends=True)
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r\n") == "---"), None)
        if end is None:
            raise CorpusError(f"{where}: line 1: front matter opened with '---' is never closed")
        for lineno, line in enumerate(lines[1:end], start=2):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            match = _KEY.match(stripped)
            if not match:
                raise CorpusError(f"{where}: line {lineno}: expected 'key: value' in front matter, got {stripped!r}")
            key, value = match.group(1).lower(), match.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            if key in meta:
                raise CorpusError(f"{where}: line {lineno}: field {key!r} given twice")
            if key == "date" and value and not _DATE.match(value):
                raise CorpusError(
                    f"{where}: line {lineno}: field 'date' must be ISO (YYYY-MM-DD, YYYY-MM or YYYY), got {value!r}"
                )
            meta[key] = value
        text = "".join(lines[end + 1 :])
    if not text.strip():
        raise CorpusError(f"{where}: the article has no text")
    extra = {k: v for k, v in meta.items() if k not in KNOWN_KEYS}
    return Article(
        doc_id=doc_id,
        text=text,
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        date=meta.get("date", ""),
        url=meta.get("url", ""),
        path=path,
        extra=extra,
    )


def load_article(path: Path) -> Article:
    """Read one article file; :class:`CorpusError` names the file if it cannot be used."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusError(f"{path}: line {line}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from exc
    return parse_article(raw, doc_id=doc_id_for(path), path=str(path))


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The article files of a corpus folder, recursively, in a stable order."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"{corpus_dir}: corpus folder not found")
    files = sorted(p for p in corpus_dir.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    if not files:
        raise CorpusError(f"{corpus_dir}: no .txt or .md article in the corpus folder")
    return files


def load_corpus(corpus_dir: Path | Iterable[Path]) -> list[Article]:
    """Load every article of a folder (or of a list of files); ids must be unique."""
    files = corpus_files(corpus_dir) if isinstance(corpus_dir, (str, Path)) else [Path(p) for p in corpus_dir]
    articles: list[Article] = []
    seen: dict[str, str] = {}
    for path in files:
        article = load_article(path)
        if article.doc_id in seen:
            raise CorpusError(f"{path}: article id {article.doc_id!r} is already used by {seen[article.doc_id]}")
        seen[article.doc_id] = str(path)
        articles.append(article)
    return articles
