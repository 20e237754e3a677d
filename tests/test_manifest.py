"""The manifest: one typed description of an index, read and written by one module (fast)."""

from __future__ import annotations

import json

import pytest

from index.chunking import ChunkingSettings
from index.errors import IndexLoadError
from index.manifest import (
    FORMAT_VERSION,
    MANIFEST_FILE,
    AutoChoice,
    ChunkingEntry,
    CorpusEntry,
    FaissEntry,
    LexicalEntry,
    Manifest,
    ModelEntry,
    RescoringEntry,
)


def a_manifest(**changes) -> Manifest:
    fields = dict(
        model=ModelEntry(name="e5", spec="default", dimension=384, prompts={"query": "query: "}, backend="onnx-int8",
                         query_backend="onnx"),
        chunking=ChunkingEntry(ChunkingSettings(chunk_size=600, chunk_overlap=120, titles=True)),
        faiss=FaissEntry(factory="IVF64,PQ192x4fs", requested="auto", type="IndexIVFPQFastScan", ntotal=10,
                         params={"nlist": 64, "nprobe": 64}, removed=2,
                         rescoring=RescoringEntry(vectors="chunk_vectors.npy", candidates_per_result=20,
                                                  max_candidates=500),
                         auto=AutoChoice(threshold=50_000, exact="Flat", approximate="IVF64,PQ192x4fs")),
        lexical=LexicalEntry(analyzer="french", layout="term-major/3", k1=1.2, b=0.75),
        corpus=CorpusEntry(fingerprint="abc", articles=2, chunks=8, sentences=30),
        created="2026-12-02T10:00:00+00:00",
        versions={"faiss": "1.9"},
        files={"index.faiss": 1234},
    )
    fields.update(changes)
    return Manifest(**fields)


def test_a_manifest_survives_a_round_trip_through_its_file(tmp_path):
    manifest = a_manifest(updated="2026-12-02T11:00:00+00:00")
    manifest.write(tmp_path)
    assert Manifest.read(tmp_path) == manifest
    assert json.loads((tmp_path / MANIFEST_FILE).read_text())["format_version"] == FORMAT_VERSION


def test_optional_sections_are_left_out_of_the_file_and_come_back_as_none(tmp_path):
    manifest = a_manifest(faiss=FaissEntry(factory="Flat", requested="Flat", type="IndexFlatIP", ntotal=3),
                          model=ModelEntry(name="fake", spec="fake", dimension=8))
    data = manifest.to_dict()
    assert "rescoring" not in data["faiss"] and "auto" not in data["faiss"] and "backend" not in data["model"]
    assert "updated" not in data
    assert Manifest.from_dict(data) == manifest


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("model", "dimension"), "384", "field 'model.dimension' must be int"),
        (("model", "dimension"), 0, "model.dimension must be a positive integer"),
        (("chunking", "titles"), 1, "field 'chunking.titles' must be bool"),
        (("faiss", "ntotal"), None, "field 'faiss.ntotal' is missing"),
        (("faiss", "removed"), 11, "faiss: ntotal 10 and removed 11 disagree"),
        (("corpus", "articles"), -1, r"corpus\['articles'\] must be a non-negative integer"),
        (("files", "index.faiss"), "big", r"files\['index.faiss'\] must be a non-negative integer"),
        (("lexical",), None, "field 'manifest.lexical' is missing"),
        (("faiss", "rescoring"), {"vectors": "v.npy"}, "field 'faiss.rescoring.dtype' is missing"),
    ],
)
def test_a_bad_field_is_named_in_the_error(tmp_path, path, value, message):
    data = a_manifest().to_dict()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(data))
    with pytest.raises(IndexLoadError, match=message + ".*qa index build"):
        Manifest.read(tmp_path)


def test_another_format_version_asks_for_a_rebuild(tmp_path):
    data = a_manifest().to_dict() | {"format_version": 1}
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(data))
    with pytest.raises(IndexLoadError, match="index format 1, this version reads format 2.*qa index build"):
        Manifest.read(tmp_path)


def test_no_directory_and_no_file_are_told_apart(tmp_path):
    with pytest.raises(IndexLoadError, match="no index here"):
        Manifest.read(tmp_path / "absent")
    with pytest.raises(IndexLoadError, match="manifest.json is missing"):
        Manifest.read(tmp_path)


def test_with_files_lists_sizes(tmp_path):
    (tmp_path / "a.npy").write_bytes(b"12345")
    assert a_manifest().with_files(tmp_path, ["a.npy"]).files == {"a.npy": 5}
