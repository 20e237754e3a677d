"""Incremental updates: adding and removing articles gives the index a full rebuild would give.

Fast, with the bag-of-words FakeEncoder: these check the bookkeeping (FAISS ids, chunk and
sentence tables, sentence vectors, the BM25 index), not the model.
"""

from __future__ import annotations

import numpy as np
import pytest

import index.faiss_index as faiss_index_mod
from index.article import load_corpus
from index.chunking import indexed_text
from index.manifest import Manifest
from index.store import Store
from index.writer import add_articles, build_index, remove_articles
from tests.conftest import CORPUS
from ui.cli import main

QUESTIONS = [
    "Qui a nié les livraisons d'armes ?",
    "Que fait le ministre russe en Corée du Nord ?",
    "la chaleur et la canicule",
    "les élections et le gouvernement",
    "Quand le sommet a-t-il eu lieu ?",
    "économie inflation prix",
]


def dense_results(store: Store, encoder, k: int = 8) -> list[list[tuple]]:
    """For each question: (doc_id, start, end, score) of the top k chunks, ties in a fixed order."""
    out = []
    for vector in encoder.encode_queries(QUESTIONS):
        scores, ids = store.search(vector[None, :], k)
        hits = []
        for score, chunk_id in zip(scores[0], ids[0]):
            if chunk_id >= 0:
                chunk = store.chunk(int(chunk_id))
                hits.append((chunk.doc_id, chunk.start, chunk.end, round(float(score), 5)))
        out.append(sorted(hits, key=lambda h: (-h[3], h[0], h[1])))
    return out


def lexical_results(store: Store, k: int = 8) -> list[list[tuple]]:
    out = []
    for question in QUESTIONS:
        hits = []
        for chunk_id, score in store.lexical.search(question, k=k):
            chunk = store.chunk(chunk_id)
            hits.append((chunk.doc_id, chunk.start, chunk.end, round(float(score), 5)))
        out.append(sorted(hits, key=lambda h: (-h[3], h[0], h[1])))
    return out


def sentences_with_vectors(store: Store) -> dict[tuple, tuple]:
    out = {}
    for row, (number, start, end) in enumerate(np.asarray(store.sentences).tolist()):
        vector = np.asarray(store.sentence_vectors[row], dtype=np.float32)
        out[(store.articles[number].doc_id, start, end)] = tuple(np.round(vector, 3).tolist())
    return out


def assert_same_index(updated_dir, rebuilt_dir, encoder) -> None:
    updated, rebuilt = Store.load(updated_dir), Store.load(rebuilt_dir)
    assert sorted(updated.article_by_id) == sorted(rebuilt.article_by_id)
    assert len(updated) == len(rebuilt)
    assert dense_results(updated, encoder) == dense_results(rebuilt, encoder)
    assert lexical_results(updated) == lexical_results(rebuilt)
    assert sentences_with_vectors(updated) == sentences_with_vectors(rebuilt)
    for i in range(len(updated)):  # every chunk id still points at its exact text
        chunk = updated.chunk(i)
        assert updated.article_by_id[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text


@pytest.fixture
def articles():
    return load_corpus(CORPUS)


@pytest.mark.parametrize("factory", ["Flat", "HNSW32", "IVF4,Flat", "IVF4,PQ32x4fs"])
def test_add_then_remove_equals_a_full_rebuild(tmp_path, fake_encoder, articles, factory):
    first, rest = articles[:3], articles[3:]
    updated = tmp_path / "updated"
    build_index(first, updated, encoder=fake_encoder, factory=factory, progress=False)
    add_articles(updated, rest, encoder=fake_encoder)
    build_index(articles, tmp_path / "all", encoder=fake_encoder, factory=factory, progress=False)
    assert_same_index(updated, tmp_path / "all", fake_encoder)

    gone = articles[1].doc_id
    remove_articles(updated, [gone])
    build_index([a for a in articles if a.doc_id != gone], tmp_path / "less", encoder=fake_encoder,
                factory=factory, progress=False)
    assert_same_index(updated, tmp_path / "less", fake_encoder)


def test_removed_articles_never_come_back_in_results(tmp_path, fake_encoder, articles):
    index_dir = tmp_path / "index"
    build_index(articles, index_dir, encoder=fake_encoder, factory="HNSW32", progress=False)
    gone = articles[2]
    remove_articles(index_dir, [gone.doc_id])
    store = Store.load(index_dir)
    assert store.dead > 0  # HNSW cannot delete: the vectors stay, filtered out
    for vector in fake_encoder.encode_queries([gone.text[:300], gone.display_title]):
        _, ids = store.search(vector[None, :], len(store))
        assert all(store.chunk(int(i)).doc_id != gone.doc_id for i in ids[0] if i >= 0)
    assert all(store.chunk(i).doc_id != gone.doc_id for i in range(len(store)))
    assert gone.doc_id not in store.article_by_id
    assert gone.doc_id not in {store.articles[int(n)].doc_id for n in np.asarray(store.sentences)[:, 0]}


def test_adding_an_indexed_article_replaces_it(tmp_path, fake_encoder, articles):
    index_dir = tmp_path / "index"
    build_index(articles, index_dir, encoder=fake_encoder, progress=False)
    old = articles[0]
    new = type(old)(doc_id=old.doc_id, text="Un tout autre texte sur la météo de demain.", title="Météo")
    summary = add_articles(index_dir, [new], encoder=fake_encoder)
    assert summary.replaced == (old.doc_id,) and summary.added == ()
    store = Store.load(index_dir)
    assert store.article_by_id[old.doc_id].text == new.text
    texts = [store.chunk(i).text for i in range(len(store)) if store.chunk(i).doc_id == old.doc_id]
    assert texts == [new.text]


def test_many_removals_compact_the_faiss_index(tmp_path, fake_encoder, articles):
    index_dir = tmp_path / "index"
    build_index(articles, index_dir, encoder=fake_encoder, factory="HNSW32", progress=False)
    remove_articles(index_dir, [a.doc_id for a in articles[:3]])
    store = Store.load(index_dir)
    assert store.dead == 0 and store.faiss_index.ntotal == len(store)
    assert Manifest.read(index_dir).faiss.removed == 0


def test_an_auto_index_switches_to_an_inverted_file_when_it_grows_past_the_threshold(tmp_path, fake_encoder, articles,
                                                                        monkeypatch):
    index_dir = tmp_path / "index"
    build_index(articles[:1], index_dir, encoder=fake_encoder, progress=False)
    assert Manifest.read(index_dir).faiss.factory == "Flat"
    monkeypatch.setattr(faiss_index_mod, "AUTO_THRESHOLD", len(Store.load(index_dir)) + 1)
    add_articles(index_dir, articles[1:], encoder=fake_encoder)
    entry = Manifest.read(index_dir).faiss
    chunks = len(Store.load(index_dir))
    assert entry.requested == "auto"
    assert entry.factory == faiss_index_mod.approx_factory(chunks, fake_encoder.dimension)
    assert entry.params["nprobe"] == min(faiss_index_mod.FASTSCAN_NPROBE, entry.params["nlist"])
    store = Store.load(index_dir)
    assert entry.rescoring is not None and store.key_vectors is not None
    embedded = [indexed_text(store.chunk(i).text, store.article_by_id[store.chunk(i).doc_id].title)
                for i in range(len(store))]
    np.testing.assert_allclose(  # the exact vectors (title and chunk), carried over from the exact index
        np.asarray(store.key_vectors, dtype=np.float32), fake_encoder.encode_passages(embedded), atol=1e-3)


def test_unknown_ids_are_named_and_leave_the_index_untouched(tmp_path, fake_encoder, articles):
    index_dir = tmp_path / "index"
    build_index(articles, index_dir, encoder=fake_encoder, progress=False)
    before = (index_dir / "manifest.json").read_text()
    with pytest.raises(ValueError, match="not in the index .*: nope"):
        remove_articles(index_dir, [articles[0].doc_id, "nope"])
    assert (index_dir / "manifest.json").read_text() == before


def test_an_update_with_another_model_is_refused(tmp_path, fake_encoder, articles):
    index_dir = tmp_path / "index"
    build_index(articles[:2], index_dir, encoder=fake_encoder, progress=False)

    class Other(type(fake_encoder)):
        name = "another-model"

    with pytest.raises(ValueError, match="built with the model 'fake-bag-of-words', not 'another-model'"):
        add_articles(index_dir, articles[2:], encoder=Other())


def test_cli_add_and_remove(tmp_path, fake_encoder, articles, monkeypatch, capsys):
    import index.models.encoder

    index_dir = tmp_path / "index"
    build_index(articles[:4], index_dir, encoder=fake_encoder, progress=False)
    monkeypatch.setattr(index.models.encoder, "encoder_for_model", lambda recorded, **_: fake_encoder)
    last = sorted(CORPUS.glob("*.txt"))[4]
    assert main(["index", "add", str(last), "--index", str(index_dir), "--quiet"]) == 0
    assert last.stem in Store.load(index_dir).article_by_id
    assert main(["index", "remove", last.stem, "--index", str(index_dir)]) == 0
    assert last.stem not in Store.load(index_dir).article_by_id
    assert main(["index", "remove", "absent-id", "--index", str(index_dir)]) == 1
    assert "absent-id" in capsys.readouterr().err


@pytest.mark.slow
def test_with_the_real_model_an_update_equals_a_rebuild(tmp_path, encoder, articles):
    """Each text is embedded on its own (no batch effects), so even int8 vectors match exactly."""
    updated = tmp_path / "updated"
    build_index(articles[:3], updated, encoder=encoder, progress=False)
    add_articles(updated, articles[3:], encoder=encoder)
    build_index(articles, tmp_path / "all", encoder=encoder, progress=False)
    assert_same_index(updated, tmp_path / "all", encoder)


def test_added_articles_are_indexed_with_their_titles_like_a_build(tmp_path, fake_encoder, articles):
    from index.chunking import ChunkingSettings

    for titles in (True, False):
        updated, rebuilt = tmp_path / f"updated-{titles}", tmp_path / f"all-{titles}"
        chunking = ChunkingSettings(titles=titles)
        build_index(articles[:2], updated, encoder=fake_encoder, chunking=chunking, progress=False)
        add_articles(updated, articles[2:], encoder=fake_encoder)
        build_index(articles, rebuilt, encoder=fake_encoder, chunking=chunking, progress=False)
        assert Manifest.read(updated).chunking.settings.titles is titles
        assert_same_index(updated, rebuilt, fake_encoder)
