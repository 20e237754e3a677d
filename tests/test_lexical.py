"""The French BM25 index: same analysis for chunks and questions, editable, stored as plain files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index.lexical import FILES, LexicalIndex
from index.store import IndexLoadError, Store
from index.writer import build_index
from tests.conftest import CORPUS


def test_accents_elisions_and_inflections_match_across_question_and_text():
    lex = LexicalIndex.build({0: "L’armée a démenti les accusations.", 1: "Le ministre est arrivé à Pékin."})
    assert lex.search("Quelle armee a dementi ?", k=1)[0][0] == 0
    assert lex.search("accusation de l'armée", k=1)[0][0] == 0
    assert lex.search("Quand le ministre arrive-t-il ?", k=1)[0][0] == 1


def test_stop_words_alone_match_nothing():
    lex = LexicalIndex.build(["Le chat est sur la table.", "Un chien dort."])
    assert lex.search("le la les est sur", k=5) == []


def test_rare_terms_outweigh_common_ones():
    lex = LexicalIndex.build(["Kremlin accord", "accord accord signé", "accord conclu", "accord rompu"])
    assert lex.search("accord Kremlin", k=1)[0][0] == 0


def test_documents_can_be_added_removed_and_renumbered_by_chunk_id():
    lex = LexicalIndex.build({10: "Pyongyang livre des obus.", 11: "Moscou dément."})
    lex.add({12: "Séoul s'inquiète des obus."})
    assert {i for i, _ in lex.search("obus", k=5)} == {10, 12}
    lex.remove([10])
    assert [i for i, _ in lex.search("obus", k=5)] == [12]
    lex.renumber({12: 0, 11: 1})
    assert [i for i, _ in lex.search("obus", k=5)] == [0] and 1 in lex and len(lex) == 2


def test_save_and_load_give_the_same_scores(tmp_path):
    lex = LexicalIndex.build({0: "Lavrov à Pyongyang.", 3: "", 7: "Kim et Poutine à Vladivostok."})
    assert lex.save(tmp_path) == FILES
    again = LexicalIndex.load(tmp_path)
    assert len(again) == 3
    assert dict(again.search("Poutine Pyongyang", k=3)) == pytest.approx(dict(lex.search("Poutine Pyongyang", k=3)))


def test_an_index_of_another_analyzer_is_refused(tmp_path):
    LexicalIndex.build(["texte"]).save(tmp_path)
    meta = json.loads((tmp_path / "lexical.json").read_text())
    (tmp_path / "lexical.json").write_text(json.dumps({**meta, "analyzer": "english"}))
    with pytest.raises(ValueError, match="analyzer 'english'"):
        LexicalIndex.load(tmp_path)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="b must be between 0 and 1, got 2"):
        LexicalIndex(b=2)
    with pytest.raises(ValueError, match="k must be at least 1"):
        LexicalIndex.build(["x"]).search("x", k=0)


def test_the_build_writes_the_lexical_files_into_the_manifest(tmp_path, fake_encoder):
    build_index(CORPUS, tmp_path / "index", encoder=fake_encoder, progress=False)
    store = Store.load(tmp_path / "index")
    assert set(FILES) <= set(store.manifest.files)
    assert store.lexical is not None and len(store.lexical) == len(store)
    (tmp_path / "index" / "lexical_postings.npy").write_bytes(b"truncated")
    with pytest.raises(IndexLoadError, match="lexical_postings.npy.*rebuild"):
        Store.load(tmp_path / "index")


def test_files_that_disagree_are_refused(tmp_path):
    LexicalIndex.build(["Lavrov à Pyongyang.", "Kim à Moscou."]).save(tmp_path)
    np.save(tmp_path / "lexical_counts.npy", np.ones(1, dtype=np.uint16))
    with pytest.raises(ValueError, match="disagree on the number of postings"):
        LexicalIndex.load(tmp_path)


def test_scores_are_bm25():
    lex = LexicalIndex.build(["obus obus Kremlin", "obus", "Séoul", "Pékin"])
    n, df, avg = 4, 2, (3 + 1 + 1 + 1) / 4
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))

    def bm25(tf, length):
        return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / avg))

    assert dict(lex.search("obus", k=2)) == pytest.approx({0: bm25(2, 3), 1: bm25(1, 1)})


def test_a_large_index_scores_like_a_small_one():
    texts = {i: f"Lavrov rencontre Kim numéro {i % 7}" for i in range(2000)}
    texts[1999] = "Choe Son Hui accueille Lavrov à l'aéroport"
    lex = LexicalIndex.build(texts)
    assert lex.search("Qui a accueilli Lavrov ?", k=1)[0][0] == 1999
    assert len(lex.search("Lavrov", k=3000)) == 2000


def _with_titles() -> LexicalIndex:
    lex = LexicalIndex()
    lex.add(
        {0: "Il a été témoin de miracles.", 1: "Il était cordonnier.", 2: "Böhme écrit sur les miracles."},
        titles={0: "Jakob Böhme", 1: "Jakob Böhme"},
    )
    return lex


def test_a_title_word_finds_every_chunk_of_its_article():
    assert {i for i, _ in _with_titles().search("Böhme", k=5)} == {0, 1, 2}


def test_a_title_word_counts_once_more_in_the_chunk():
    lex = _with_titles()
    plain = LexicalIndex.build({0: "Jakob Böhme Il a été témoin de miracles.", 1: "Jakob Böhme Il était cordonnier.",
                                2: "Böhme écrit sur les miracles."})  # fmt: skip
    assert dict(lex.search("Böhme miracles", k=3)) == pytest.approx(dict(plain.search("Böhme miracles", k=3)))


def test_the_idf_given_to_the_extractor_leaves_titles_out():
    lex, texts_only = _with_titles(), LexicalIndex.build(
        {0: "Il a été témoin de miracles.", 1: "Il était cordonnier.", 2: "Böhme écrit sur les miracles."})
    terms = {"bohm", "jakob", "miracl"}
    assert lex.term_idf(terms) == pytest.approx(texts_only.term_idf(terms))


def test_title_flags_survive_saving_and_loading(tmp_path):
    lex = _with_titles()
    lex.save(tmp_path)
    again = LexicalIndex.load(tmp_path)
    assert dict(again.search("Jakob Böhme", k=3)) == pytest.approx(dict(lex.search("Jakob Böhme", k=3)))
    assert again.term_idf({"jakob"}) == pytest.approx(lex.term_idf({"jakob"}))


def test_an_index_of_another_layout_is_refused_with_a_message(tmp_path):
    LexicalIndex.build({0: "Lavrov à Pyongyang.", 1: "Kim à Moscou."}).save(tmp_path)
    meta = json.loads((tmp_path / "lexical.json").read_text())
    (tmp_path / "lexical.json").write_text(json.dumps({**meta, "layout": "term-major/2"}))
    with pytest.raises(ValueError, match="layout 'term-major/2', this version reads 'term-major/3'"):
        LexicalIndex.load(tmp_path)
