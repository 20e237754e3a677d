"""The index directory: written whole, swapped in atomically, checked on load (fast, with a fake encoder)."""

from __future__ import annotations

import json

import pytest

from index.article import CorpusError
from index.errors import IndexLoadError
from index.manifest import Manifest
from index.store import Store
from index.writer import build_index
from tests.conftest import CORPUS


@pytest.fixture
def built(tmp_path, fake_encoder):
    index_dir = tmp_path / "index"
    build_index(CORPUS, index_dir, encoder=fake_encoder, progress=False)
    return index_dir


def test_build_writes_a_self_describing_directory(built, fake_encoder):
    manifest = Manifest.read(built)
    assert manifest.model.to_dict() == {"name": fake_encoder.name, "spec": "fake", "dimension": 64, "prompts": {}}
    assert manifest.chunking.settings.chunk_size > 0 and manifest.faiss.factory == "Flat"
    assert manifest.corpus.articles == 5 and len(manifest.corpus.fingerprint) == 64
    assert {"faiss", "sentence_transformers"} <= set(manifest.versions)
    assert manifest.lexical.layout == "term-major/3"
    assert set(manifest.files) == {p.name for p in built.iterdir()} - {"manifest.json"}


def test_loaded_store_returns_chunks_at_exact_offsets(built):
    store = Store.load(built)
    assert len(store) == store.manifest.corpus.chunks
    for i in range(len(store)):
        chunk = store.chunk(i)
        assert store.article_by_id[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text


def test_sentence_rows_cover_a_chunk(built):
    store = Store.load(built)
    chunk = store.chunk(0)
    rows = store.sentence_rows_in(chunk.doc_id, chunk.start, chunk.end)
    assert len(rows) >= 1
    for row in rows:
        sentence = store.sentence(row)
        assert sentence.start < chunk.end and chunk.start < sentence.end
        assert store.article(sentence.doc_id).text[sentence.start : sentence.end] == sentence.text


def test_sentence_rows_of_a_chunk_equal_those_by_doc_id(built):
    store = Store.load(built)
    for i in range(len(store)):
        chunk = store.chunk(i)
        assert store.chunk_span(i) == (store.article_of_chunk(i), chunk.start, chunk.end)
        assert store.sentence_rows_of_chunk(i).tolist() == \
            store.sentence_rows_in(chunk.doc_id, chunk.start, chunk.end).tolist()


def test_neighbours_stay_inside_their_article(built):
    store = Store.load(built)
    for doc_id in store.articles_by_id:
        article = store.article(doc_id)
        rows = store.sentence_rows_in(doc_id, 0, len(article.text)).tolist()
        assert store.neighbours(rows[0]) == rows[1:2]
        assert store.neighbours(rows[-1]) == rows[-2:-1]
        assert all(store.sentence(r).doc_id == doc_id for r in rows)
    assert store.sentence_vectors_of([0, 1]).dtype == "float32"


def test_missing_file_says_to_rebuild(built):
    (built / "index.faiss").unlink()
    with pytest.raises(IndexLoadError, match="index.faiss is missing.*qa index build"):
        Store.load(built)


def test_truncated_file_says_to_rebuild(built):
    data = (built / "chunks.npy").read_bytes()
    (built / "chunks.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexLoadError, match="chunks.npy has .* bytes.*truncated.*qa index build"):
        Store.load(built)


def test_missing_manifest_says_to_rebuild(built):
    (built / "manifest.json").unlink()
    with pytest.raises(IndexLoadError, match="manifest.json is missing.*qa index build"):
        Store.load(built)


def test_corrupt_manifest_says_to_rebuild(built):
    (built / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexLoadError, match="unreadable manifest.*qa index build"):
        Store.load(built)


def test_other_format_version_says_to_rebuild(built):
    manifest = json.loads((built / "manifest.json").read_text())
    manifest["format_version"] = 999
    (built / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexLoadError, match="index format 999.*qa index build"):
        Store.load(built)


def test_no_index_directory_says_to_build(tmp_path):
    with pytest.raises(IndexLoadError, match="no index here"):
        Store.load(tmp_path / "absent")


def test_failed_rebuild_leaves_the_previous_index_intact(built, tmp_path, fake_encoder):
    before = {p.name: p.read_bytes() for p in built.iterdir()}
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.txt").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(CorpusError, match=r"a\.txt"):
        build_index(bad, built, encoder=fake_encoder, progress=False)
    assert {p.name: p.read_bytes() for p in built.iterdir()} == before
    assert not [p for p in built.parent.iterdir() if p.name.startswith(".index.")]


def test_build_interrupted_during_embedding_leaves_the_previous_index(built, fake_encoder, monkeypatch):
    before = (built / "manifest.json").read_text()

    def boom(texts, *, progress=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(fake_encoder, "encode_passages", boom)
    with pytest.raises(KeyboardInterrupt):
        build_index(CORPUS, built, encoder=fake_encoder, progress=False)
    assert (built / "manifest.json").read_text() == before
    Store.load(built)


def test_empty_corpus_is_an_error_and_keeps_the_index(built, tmp_path, fake_encoder):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="no .txt or .md article"):
        build_index(empty, built, encoder=fake_encoder, progress=False)
    Store.load(built)


def test_rebuild_replaces_the_index(built, corpus_copy, fake_encoder):
    (corpus_copy / "005_nouveau.txt").write_text("---\ntitle: Nouveau\n---\nUn article de plus.\n", encoding="utf-8")
    build_index(corpus_copy, built, encoder=fake_encoder, progress=False)
    assert "005_nouveau" in Store.load(built).article_by_id


def test_invalid_factory_string_is_a_clear_error(tmp_path, fake_encoder):
    with pytest.raises(ValueError, match="invalid FAISS factory string 'Nonsense42'"):
        build_index(CORPUS, tmp_path / "i", encoder=fake_encoder, factory="Nonsense42", progress=False)


def _title_only_article():
    from index.article import Article

    text = "Il a été témoin de miracles. Il était cordonnier à Görlitz."
    return Article(doc_id="piaf", title="Jakob Böhme", text=text)


def test_the_manifest_says_titles_are_indexed(built):
    assert Manifest.read(built).chunking.settings.titles is True


def test_a_word_of_the_title_alone_finds_the_chunk_in_bm25(tmp_path, fake_encoder):
    build_index([_title_only_article()], tmp_path / "index", encoder=fake_encoder, progress=False)
    store = Store.load(tmp_path / "index")
    assert [chunk_id for chunk_id, _ in store.lexical.search("Böhme", k=3)] == [0]
    assert store.chunk(0).text.startswith("Il a été témoin")  # the title is indexed, never part of a passage


def test_chunks_are_embedded_with_their_title(tmp_path, fake_encoder):
    build_index([_title_only_article()], tmp_path / "index", encoder=fake_encoder, progress=False)
    store = Store.load(tmp_path / "index")
    expected = fake_encoder.encode_passages(["Jakob Böhme\n" + store.chunk(0).text])[0]
    scores, ids = store.search(expected[None, :], 1)
    assert ids[0][0] == 0 and scores[0][0] == pytest.approx(1.0, abs=1e-3)


def test_an_index_built_without_titles_embeds_and_indexes_chunks_alone(tmp_path, fake_encoder):
    from index.chunking import ChunkingSettings

    build_index([_title_only_article()], tmp_path / "index", encoder=fake_encoder, progress=False,
                chunking=ChunkingSettings(titles=False))
    store = Store.load(tmp_path / "index")
    assert Manifest.read(tmp_path / "index").chunking.settings.titles is False
    assert store.lexical.search("Böhme", k=3) == []
