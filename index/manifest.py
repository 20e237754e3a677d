"""The index manifest (``manifest.json``): what an index directory holds and how it was made.

This module is the one owner of the file: :meth:`Manifest.write` is its only writer and
:meth:`Manifest.read` its only reader; everything else uses the typed sections below. A
manifest is validated once, when read (or constructed): a field of the wrong type or a
missing section raises :class:`index.errors.IndexLoadError` naming the file and the field.

Sections::

    format_version   FORMAT_VERSION; any other value asks for a rebuild
    created/updated  ISO timestamps (UTC) of the build and of the last update
    model            ModelEntry: the encoder's name, how to load it again, dimension, prompts, backends
    chunking         ChunkingEntry: the splitter and the ChunkingSettings
    faiss            FaissEntry: the FAISS type, how it was chosen, search settings, re-scoring
    lexical          LexicalEntry: the BM25 analysis, layout and parameters
    corpus           CorpusEntry: fingerprint and counts of articles, chunks, sentences
    versions         libraries that shaped the index
    files            name -> size in bytes of every file of the index, checked at every open
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from index.chunking import ChunkingSettings
from index.errors import REBUILD_HINT, IndexLoadError

FORMAT_VERSION = 2
MANIFEST_FILE = "manifest.json"
DEFAULT_SPLITTER = "RecursiveCharacterTextSplitter"


class _Fields:
    """Reads one section of a manifest dict, naming ``section.key`` in every error."""

    def __init__(self, data: object, section: str) -> None:
        if not isinstance(data, Mapping):
            raise ValueError(f"{section!r} must be an object, not {type(data).__name__}")
        self.data, self.section = data, section

    def _get(self, key: str, kinds: tuple[type, ...], *, optional: bool) -> Any:
        if key not in self.data or self.data[key] is None:
            if optional:
                return None
            raise ValueError(f"field '{self.section}.{key}' is missing")
        value = self.data[key]
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise ValueError(f"field '{self.section}.{key}' must be {names}, not {value!r}")
        return value

    def str(self, key: str, *, optional: bool = False) -> Any:
        return self._get(key, (str,), optional=optional)

    def int(self, key: str, *, optional: bool = False) -> Any:
        return self._get(key, (int,), optional=optional)

    def float(self, key: str) -> float:
        return float(self._get(key, (int, float), optional=False))

    def bool(self, key: str) -> bool:
        return self._get(key, (bool,), optional=False)

    def mapping(self, key: str, *, optional: bool = False) -> Any:
        value = self._get(key, (dict,), optional=optional)
        return None if value is None else dict(value)


def _positive(value: int, name: str) -> None:
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")


def _counts(values: Mapping[str, int], name: str) -> None:
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name}[{key!r}] must be a non-negative integer, not {value!r}")


@dataclass(frozen=True)
class ModelEntry:
    """The encoder: ``spec`` is what ``Encoder(spec)`` needs to load it again (``default`` or an id or
    path); ``backend`` embedded the passages, ``query_backend`` embeds the questions (None: a test encoder)."""

    name: str
    spec: str
    dimension: int
    prompts: Mapping[str, str] = field(default_factory=dict)
    backend: str | None = None
    query_backend: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("model.name must not be empty")
        _positive(self.dimension, "model.dimension")

    def to_dict(self) -> dict:
        out = {"name": self.name, "spec": self.spec, "dimension": self.dimension, "prompts": dict(self.prompts)}
        if self.backend is not None:
            out["backend"] = self.backend
            out["query_backend"] = self.query_backend or self.backend
        return out

    @classmethod
    def from_dict(cls, data: object) -> ModelEntry:
        f = _Fields(data, "model")
        return cls(
            name=f.str("name"),
            spec=f.str("spec"),
            dimension=f.int("dimension"),
            prompts=f.mapping("prompts", optional=True) or {},
            backend=f.str("backend", optional=True),
            query_backend=f.str("query_backend", optional=True),
        )


@dataclass(frozen=True)
class ChunkingEntry:
    """How the articles were split (``splitter`` names the method: ``synthetic`` in benchmarks)."""

    settings: ChunkingSettings = field(default_factory=ChunkingSettings)
    splitter: str = DEFAULT_SPLITTER

    def to_dict(self) -> dict:
        s = self.settings
        return {"splitter": self.splitter, "chunk_size": s.chunk_size, "chunk_overlap": s.chunk_overlap,
                "titles": s.titles}

    @classmethod
    def from_dict(cls, data: object) -> ChunkingEntry:
        f = _Fields(data, "chunking")
        settings = ChunkingSettings(
            chunk_size=f.int("chunk_size"), chunk_overlap=f.int("chunk_overlap"), titles=f.bool("titles")
        )
        return cls(settings=settings, splitter=f.str("splitter"))


@dataclass(frozen=True)
class RescoringEntry:
    """Beside product-quantized codes: the exact fp16 vectors (``vectors``, by FAISS id) that re-score
    ``candidates_per_result`` codes per result asked for, at most ``max_candidates`` in all."""

    vectors: str
    candidates_per_result: int
    max_candidates: int
    dtype: str = "float16"

    def __post_init__(self) -> None:
        _positive(self.candidates_per_result, "faiss.rescoring.candidates_per_result")
        _positive(self.max_candidates, "faiss.rescoring.max_candidates")

    def to_dict(self) -> dict:
        return {"vectors": self.vectors, "dtype": self.dtype, "candidates_per_result": self.candidates_per_result,
                "max_candidates": self.max_candidates}

    @classmethod
    def from_dict(cls, data: object) -> RescoringEntry:
        f = _Fields(data, "faiss.rescoring")
        return cls(vectors=f.str("vectors"), dtype=f.str("dtype"),
                   candidates_per_result=f.int("candidates_per_result"), max_candidates=f.int("max_candidates"))


@dataclass(frozen=True)
class AutoChoice:
    """How ``factory="auto"`` decides: ``exact`` up to ``threshold`` chunks, ``approximate`` above."""

    threshold: int
    exact: str
    approximate: str

    def to_dict(self) -> dict:
        return {"threshold": self.threshold, "exact": self.exact, "approximate": self.approximate}

    @classmethod
    def from_dict(cls, data: object) -> AutoChoice:
        f = _Fields(data, "faiss.auto")
        return cls(threshold=f.int("threshold"), exact=f.str("exact"), approximate=f.str("approximate"))


@dataclass(frozen=True)
class FaissEntry:
    """The FAISS index: its ``factory`` string and type, the ``requested`` one (``auto`` or a factory),
    search ``params`` (``nprobe``, ``efSearch``), ``ntotal`` entries of which ``removed`` are removed
    chunks an index type could not delete (excluded from searches)."""

    factory: str
    requested: str
    type: str
    ntotal: int
    params: Mapping[str, int] = field(default_factory=dict)
    metric: str = "inner_product"
    rescoring: RescoringEntry | None = None
    auto: AutoChoice | None = None
    removed: int = 0

    def __post_init__(self) -> None:
        if self.ntotal < 0 or self.removed < 0 or self.removed > self.ntotal:
            raise ValueError(f"faiss: ntotal {self.ntotal!r} and removed {self.removed!r} disagree")
        _counts(self.params, "faiss.params")

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"factory": self.factory, "requested": self.requested, "metric": self.metric,
                               "type": self.type, "params": dict(self.params), "ntotal": self.ntotal,
                               "removed": self.removed}
        if self.rescoring is not None:
            out["rescoring"] = self.rescoring.to_dict()
        if self.auto is not None:
            out["auto"] = self.auto.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: object) -> FaissEntry:
        f = _Fields(data, "faiss")
        rescoring, auto = f.mapping("rescoring", optional=True), f.mapping("auto", optional=True)
        return cls(
            factory=f.str("factory"), requested=f.str("requested"), metric=f.str("metric"), type=f.str("type"),
            params=f.mapping("params"), ntotal=f.int("ntotal"), removed=f.int("removed"),
            rescoring=None if rescoring is None else RescoringEntry.from_dict(rescoring),
            auto=None if auto is None else AutoChoice.from_dict(auto),
        )


@dataclass(frozen=True)
class LexicalEntry:
    """The BM25 index: the text analysis, the file layout and the BM25 parameters."""

    analyzer: str
    layout: str
    k1: float
    b: float

    def to_dict(self) -> dict:
        return {"analyzer": self.analyzer, "layout": self.layout, "k1": self.k1, "b": self.b}

    @classmethod
    def from_dict(cls, data: object) -> LexicalEntry:
        f = _Fields(data, "lexical")
        return cls(analyzer=f.str("analyzer"), layout=f.str("layout"), k1=f.float("k1"), b=f.float("b"))


@dataclass(frozen=True)
class CorpusEntry:
    """What was indexed: a fingerprint of every article (id, metadata, text) and the counts."""

    fingerprint: str
    articles: int
    chunks: int
    sentences: int

    def __post_init__(self) -> None:
        _counts({"articles": self.articles, "chunks": self.chunks, "sentences": self.sentences}, "corpus")

    def to_dict(self) -> dict:
        return {"fingerprint": self.fingerprint, "articles": self.articles, "chunks": self.chunks,
                "sentences": self.sentences}

    @classmethod
    def from_dict(cls, data: object) -> CorpusEntry:
        f = _Fields(data, "corpus")
        return cls(fingerprint=f.str("fingerprint"), articles=f.int("articles"), chunks=f.int("chunks"),
                   sentences=f.int("sentences"))


@dataclass(frozen=True)
class Manifest:
    """The whole manifest; ``files`` maps each file of the index to its size in bytes."""

    model: ModelEntry
    chunking: ChunkingEntry
    faiss: FaissEntry
    corpus: CorpusEntry
    lexical: LexicalEntry
    created: str
    updated: str | None = None
    versions: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, int] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if self.format_version != FORMAT_VERSION:
            raise ValueError(f"format_version must be {FORMAT_VERSION}, not {self.format_version!r}")
        _counts(self.files, "files")

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"format_version": self.format_version, "created": self.created}
        if self.updated is not None:
            out["updated"] = self.updated
        out |= {"model": self.model.to_dict(), "chunking": self.chunking.to_dict(), "faiss": self.faiss.to_dict()}
        out["lexical"] = self.lexical.to_dict()
        out |= {"corpus": self.corpus.to_dict(), "versions": dict(self.versions), "files": dict(self.files)}
        return out

    @classmethod
    def from_dict(cls, data: object) -> Manifest:
        """A validated manifest; a ValueError names the first bad field."""
        f = _Fields(data, "manifest")
        return cls(
            format_version=f.int("format_version"),
            created=f.str("created"),
            updated=f.str("updated", optional=True),
            model=ModelEntry.from_dict(f.mapping("model")),
            chunking=ChunkingEntry.from_dict(f.mapping("chunking")),
            faiss=FaissEntry.from_dict(f.mapping("faiss")),
            lexical=LexicalEntry.from_dict(f.mapping("lexical")),
            corpus=CorpusEntry.from_dict(f.mapping("corpus")),
            versions=f.mapping("versions"),
            files=f.mapping("files"),
        )

    def with_files(self, directory: Path, names: list[str] | tuple[str, ...]) -> Manifest:
        """This manifest listing ``names`` (files of ``directory``) with their sizes."""
        return replace(self, files={name: (Path(directory) / name).stat().st_size for name in names})

    # -- the file ------------------------------------------------------------------------
    def write(self, directory: Path) -> None:
        """Write ``manifest.json`` into ``directory`` (the last file of a new index: its presence says
        the index is complete)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"
        (Path(directory) / MANIFEST_FILE).write_text(text, encoding="utf-8")

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        """The manifest of an index directory; :class:`IndexLoadError` says why it is unusable."""
        directory = Path(directory)
        if not directory.is_dir():
            raise IndexLoadError(f"{directory}: no index here; build one with `qa index build`")
        file = directory / MANIFEST_FILE
        if not file.is_file():
            raise IndexLoadError(f"{directory}: {MANIFEST_FILE} is missing (not an index, or a partial one); "
                                 f"{REBUILD_HINT}")
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexLoadError(f"{file}: unreadable manifest ({exc}); {REBUILD_HINT}") from exc
        found = data.get("format_version") if isinstance(data, dict) else None
        if found != FORMAT_VERSION:
            raise IndexLoadError(f"{file}: index format {found!r}, this version reads format {FORMAT_VERSION}; "
                                 f"{REBUILD_HINT}")
        try:
            return cls.from_dict(data)
        except ValueError as exc:
            raise IndexLoadError(f"{file}: {exc}; {REBUILD_HINT}") from exc
