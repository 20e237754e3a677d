"""Splitting articles into chunks with exact offsets (langchain-text-splitters).

``RecursiveCharacterTextSplitter`` cuts at paragraph breaks first, then line
breaks, sentence ends, clauses and finally words, so that a chunk rarely stops
mid-sentence. Each chunk is located back in its article: ``article.text[start:end]
== chunk.text`` always holds.

What is embedded and given to BM25 is the chunk with its article's title on a line before it
(:func:`indexed_text`): a chunk from the middle of an article often never names what the
article is about (« Il a été témoin de miracles. »), its title does (measured: bench/README.md,
"Why the defaults"). The title is never part of a passage or an answer: offsets stay those
of the article's text. BM25 gets the title's terms as flagged counts (:mod:`index.lexical`).
"""

from __future__ import annotations

from dataclasses import dataclass

from index.article import Article

DEFAULT_CHUNK_SIZE = 600
DEFAULT_CHUNK_OVERLAP = 120
SEPARATORS = (
    "\n\n",
    "\n",
    r"(?<=[.!?…][»”\"’)])\s+",
    r"(?<=[.!?…])\s+",
    r"(?<=[;:])\s+",
    r"(?<=,)\s+",
    r"\s+",
    "",
)


@dataclass(frozen=True)
class Chunk:
    """A piece of an article: ``text == article.text[start:end]``."""

    doc_id: str
    start: int
    end: int
    text: str

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"Chunk offsets must satisfy 0 <= start < end, got ({self.start}, {self.end})")
        if len(self.text) != self.end - self.start:
            raise ValueError(f"Chunk text length {len(self.text)} does not match offsets ({self.start}, {self.end})")


@dataclass(frozen=True)
class ChunkingSettings:
    """How articles are split; recorded in the index manifest."""

    chunk_size: int = DEFAULT_CHUNK_SIZE
    chunk_overlap: int = DEFAULT_CHUNK_OVERLAP
    titles: bool = True  # the article's title is embedded and indexed with each chunk

    def __post_init__(self) -> None:
        if self.chunk_size < 50:
            raise ValueError(f"chunk_size must be at least 50 characters, got {self.chunk_size}")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise ValueError(f"chunk_overlap must be in [0, chunk_size={self.chunk_size}), got {self.chunk_overlap}")

    @classmethod
    def from_manifest(cls, section: dict) -> ChunkingSettings:
        """The settings an index was built with (its manifest's ``chunking``); an index made before
        titles were indexed has no ``titles`` key and keeps chunks alone."""
        return cls(
            chunk_size=int(section["chunk_size"]),
            chunk_overlap=int(section["chunk_overlap"]),
            titles=bool(section.get("titles", False)),
        )


class Chunker:
    """Splits :class:`Article` texts into :class:`Chunk` objects."""

    def __init__(self, settings: ChunkingSettings | None = None) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.settings = settings or ChunkingSettings()
        self._splitter = RecursiveCharacterTextSplitter(
            separators=list(SEPARATORS),
            is_separator_regex=True,
            keep_separator="end",
            chunk_size=self.settings.chunk_size,
            chunk_overlap=self.settings.chunk_overlap,
            strip_whitespace=True,
        )

    def split(self, article: Article) -> list[Chunk]:
        """The chunks of one article, in reading order, with their offsets."""
        text = article.text
        chunks: list[Chunk] = []
        floor = 0
        for piece in self._splitter.split_text(text):
            start = text.find(piece, floor)
            if start < 0:  # should not happen: pieces are stripped substrings
                raise RuntimeError(f"{article.doc_id}: chunk not found in its article: {piece[:60]!r}")
            chunks.append(Chunk(doc_id=article.doc_id, start=start, end=start + len(piece), text=piece))
            floor = start + 1
        return chunks


def chunk_title(text: str, title: str | None, *, titles: bool = True) -> str | None:
    """The title indexed with a chunk: its article's (whitespace collapsed) when ``titles``, None when
    there is none or the chunk already opens with it (many articles repeat their title as first line)."""
    title = " ".join((title or "").split())
    if not titles or not title or " ".join(text[: len(title) + 50].split()).startswith(title):
        return None
    return title


def indexed_text(text: str, title: str | None, *, titles: bool = True) -> str:
    """What is embedded for a chunk: its text, after its :func:`chunk_title` if any."""
    shown = chunk_title(text, title, titles=titles)
    return text if shown is None else f"{shown}\n{text}"
