"""The reader's learned part (qa/ranking.py) and what the assistant does with it on the news corpus."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from qa.ranking import (
    CONFIDENCE_FEATURES,
    DATA_FILE,
    LinearModel,
    ReadingModel,
    confidence_row,
    load_model,
    ranker_rows,
)


def a_model(n: int = 2) -> LinearModel:
    return LinearModel(names=tuple(f"f{i}" for i in range(n)), mean=(0.0,) * n, scale=(1.0,) * n,
                       coef=(1.0,) + (0.0,) * (n - 1), intercept=0.0)


def test_a_linear_model_standardises_then_weighs():
    model = LinearModel(names=("a", "b"), mean=(1.0, 0.0), scale=(2.0, 1.0), coef=(4.0, -1.0), intercept=0.5)
    assert model.logits(np.array([[3.0, 1.0]])).tolist() == [0.5 + 4.0 * 1.0 - 1.0]
    assert model.probabilities(np.array([[1.0, 0.0]]))[0] == pytest.approx(1 / (1 + np.exp(-0.5)))


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"scale": (1.0, 0.0)}, "scale must be positive"), ({"coef": (1.0,)}, "2 names but 2 means, 2 scales, 1 coef")],
)
def test_a_linear_model_refuses_bad_shapes_by_name(changes, message):
    fields = a_model().to_dict() | changes
    with pytest.raises(ValueError, match=message):
        LinearModel(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})


def test_a_reading_model_round_trips_and_refuses_a_threshold_that_is_no_probability(tmp_path):
    model = ReadingModel(ranker=a_model(3), confidence=a_model(4), threshold=0.1, depth=6)
    model.save(tmp_path / "m.json")
    assert load_model(tmp_path / "m.json") == model
    with pytest.raises(ValueError, match="probability, got 1.5"):
        ReadingModel(ranker=a_model(), confidence=a_model(), threshold=1.5)


def test_the_shipped_model_reads_the_features_it_was_fitted_on():
    from qa.ranking import ranker_names

    shipped = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert tuple(shipped["ranker"]["names"]) == ranker_names()
    assert tuple(shipped["confidence"]["names"]) == CONFIDENCE_FEATURES
    assert 0 < load_model().threshold < 0.5


def test_features_are_rows_per_candidate_in_the_names_order():
    from qa.reading import FEATURES

    reading = dict.fromkeys(FEATURES, 0.0) | {"type_absent": 1.0}
    rows = ranker_rows([SimpleNamespace(score=2.0), SimpleNamespace(score=1.5)], [reading, reading])
    assert rows.shape == (2, 2 + len(FEATURES))
    assert rows[:, :2].tolist() == [[2.0, 0.0], [1.5, -0.5]]
    row = confidence_row(1.8, reading | {"answer_found": 0.0, "expected_known": 1.0})
    assert row.tolist() == [[1.8, 1.0, 0.0, 1.0]]


# --------------------------------------------------------------------------- the assistant with the reader


@pytest.mark.slow
def test_a_pronoun_is_answered_by_who_it_stands_for_and_both_sentences_are_shown(assistant):
    answer = assistant.ask("Qui a remercié Pyongyang pour sa reconnaissance de l’annexion ?")
    assert not answer.abstained and answer.span.short == "Lavrov"
    assert "remercié Pyongyang" in answer.span.text and "Lavrov" in answer.span.text  # « Il » and who it is
    article = assistant.article(answer.span.doc_id).text
    assert article[answer.span.short_start : answer.span.short_end] == "Lavrov"


@pytest.mark.slow
def test_no_number_in_the_sentence_gives_no_short_answer_to_a_how_many_question(assistant):
    answer = assistant.ask("Combien de missiles la Corée du Nord a-t-elle tirés cette année ?")
    assert answer.abstained or answer.span.short is None


@pytest.mark.slow
def test_the_fast_path_answers_without_reading(news_index, encoder):
    from index.store import Store
    from qa.assistant import Assistant
    from qa.retriever import Retriever

    fast = Assistant(Retriever(Store.load(news_index), encoder), reader=False)
    assert fast.extractor.reading is None
    assert not fast.ask("Qui a nié les livraisons ?").abstained
