"""The reader: span decoding, its weights file, how the extractor uses it, and the real exported graph."""

from __future__ import annotations

import numpy as np
import pytest

from index.models.errors import ReaderUnavailableError
from index.models.reader import MAX_SPAN_TOKENS, WEIGHTS_FILE, Reader, Reading, best_span, load_weights


def _offsets(n: int, *, question: int = 0) -> np.ndarray:
    """``n`` tokens of 3 characters each; the first ``question`` ones lie before the sentence."""
    starts = np.arange(n) * 3 - question * 3
    return np.stack([starts, starts + 3], 1)


def test_the_best_span_maximises_start_plus_end():
    start = np.array([0.0, 5.0, 0.0, 0.0])
    end = np.array([0.0, 0.0, 0.0, 4.0])
    assert best_span(start, end, _offsets(4)) == (3, 12, 9.0)


def test_a_span_never_ends_before_it_starts():
    start = np.array([0.0, 0.0, 5.0])
    end = np.array([4.0, 0.0, 0.0])
    s, e, _ = best_span(start, end, _offsets(3))
    assert s < e


def test_question_tokens_are_never_part_of_the_span():
    start = np.array([9.0, 0.0, 1.0])
    end = np.array([9.0, 0.0, 1.0])
    assert best_span(start, end, _offsets(3, question=1))[:2] == (3, 6)


def test_spans_are_at_most_max_span_tokens_long():
    n = MAX_SPAN_TOKENS + 5
    start, end = np.zeros(n), np.zeros(n)
    start[0], end[-1] = 10.0, 10.0
    s, e, _ = best_span(start, end, _offsets(n))
    assert (e - s) // 3 <= MAX_SPAN_TOKENS


@pytest.mark.parametrize(
    ("sentence", "start", "end", "expected"),
    [
        ("Moscou a dénoncé ces propos.", 3, 6, "Moscou"),  # a sub-word token inside « Moscou »
        ("Le 18 octobre 2023, il est arrivé.", 3, 16, "18 octobre 2023"),  # « 20|23 », the comma left out
        ("Selon l’agence Ria Novosti, rien.", 8, 17, "l’agence Ria"),
        ("Il a vu Jean-Pierre.", 11, 16, "Jean-Pierre"),
    ],
)
def test_spans_are_widened_to_whole_words(sentence, start, end, expected):
    from index.models.reader import whole_words

    a, b = whole_words(sentence, start, end)
    assert sentence[a:b] == expected


def test_a_missing_weights_file_is_named(tmp_path):
    with pytest.raises(ReaderUnavailableError, match="nothing.npz"):
        load_weights(tmp_path / "nothing.npz")


def test_a_file_without_the_head_s_metadata_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, meta=np.array("{}"), w=np.zeros(2))
    with pytest.raises(ReaderUnavailableError, match="relevance_weight"):
        load_weights(path)


def test_the_shipped_weights_say_what_they_were_trained_on():
    meta, tensors = load_weights(WEIGHTS_FILE)
    assert meta["trained_on"]["file"] == "piaf-v1.1-dev.json"
    assert meta["relevance_weight"] >= 0
    assert "proj.weight" in tensors


def test_the_reader_is_on_and_its_head_off_unless_the_environment_says_otherwise(monkeypatch):
    from qa.reader import head_requested, reader_requested

    monkeypatch.delenv("QA_READER", raising=False)
    monkeypatch.delenv("QA_READER_HEAD", raising=False)
    assert reader_requested() and not head_requested()
    monkeypatch.setenv("QA_READER", "off")
    monkeypatch.setenv("QA_READER_HEAD", "1")
    assert not reader_requested() and head_requested()
    assert reader_requested(True) and not head_requested(False)  # an explicit choice wins


def test_an_unknown_precision_is_refused_by_name(monkeypatch):
    from index.models.reader import precision_from_env

    monkeypatch.setenv("QA_READER_PRECISION", "int4")
    with pytest.raises(ValueError, match="int4"):
        precision_from_env()


def test_an_unknown_precision_is_refused_before_any_export(tmp_path):
    from index.models.reader import ensure_reader_export

    with pytest.raises(ValueError, match="bf16"):
        ensure_reader_export(tmp_path, precision="bf16")


def test_a_model_other_than_the_default_gets_no_reader(fake_encoder):
    assert Reader.for_encoder(fake_encoder) is None


class _ScriptedReader:
    """Reads by a script: relevance and span per sentence text."""

    depth = 2
    relevance_weight = 1.0

    def __init__(self, script: dict[str, Reading]) -> None:
        self.script = script

    def read(self, question, sentences):
        return [self.script[s] for s in sentences]


def _two_sentence_store(tmp_path, fake_encoder):
    from index.article import Article
    from index.store import Store
    from index.writer import build_index
    from qa.retriever import Retriever

    text = "Il a été témoin de miracles à Görlitz. Jakob Böhme vit à Görlitz depuis 1599."
    build_index([Article(doc_id="bohme", title="Jakob Böhme", text=text)], tmp_path / "i", encoder=fake_encoder,
                progress=False)  # fmt: skip
    return Retriever(Store.load(tmp_path / "i"), fake_encoder), text


def test_the_reader_s_relevance_reorders_the_first_sentences(tmp_path, fake_encoder):
    from qa.extract import Extractor

    retriever, text = _two_sentence_store(tmp_path, fake_encoder)
    question = "Qui a été témoin de miracles ?"
    vector = fake_encoder.encode_queries([question])[0]
    passage = retriever.passage(0, score=1.0, rank=1, similarity=0.5)
    plain = Extractor(retriever.store).candidates(question, vector, [passage])
    first, second = (text[c.start : c.end] for c in plain)
    script = {first: Reading(-5.0, 0, 2), second: Reading(5.0, 0, 11)}
    read = Extractor(retriever.store, reader=_ScriptedReader(script)).candidates(question, vector, [passage])
    assert text[read[0].start : read[0].end] == second
    assert read[0].relevance == 5.0
    assert read[0].score == pytest.approx(next(c.score for c in plain if c.row == read[0].row) + 5.0)


def _span_read_as_böhme(tmp_path, fake_encoder, question: str):
    """The answer span when the reader gives the Böhme sentence the top relevance and its first 11 characters."""
    from qa.extract import Extractor

    retriever, text = _two_sentence_store(tmp_path, fake_encoder)
    vector = fake_encoder.encode_queries([question])[0]
    passage = retriever.passage(0, score=1.0, rank=1, similarity=0.5)
    sentences = [text[c.start : c.end] for c in Extractor(retriever.store).candidates(question, vector, [passage])]
    script = {s: Reading(10.0 if "Böhme" in s else -10.0, 0, 11) for s in sentences}
    extractor = Extractor(retriever.store, reader=_ScriptedReader(script))
    return extractor.span(question, extractor.candidates(question, vector, [passage])), text


def test_the_short_answer_is_the_reader_s_span_in_article_offsets_when_no_pattern_fits(tmp_path, fake_encoder):
    span, text = _span_read_as_böhme(tmp_path, fake_encoder, "Que fait-on à Görlitz depuis 1599 ?")
    assert span.short == "Jakob Böhme"
    assert text[span.short_start : span.short_end] == "Jakob Böhme"


def test_a_pattern_s_short_answer_comes_before_the_reader_s_span(tmp_path, fake_encoder):
    span, _ = _span_read_as_böhme(tmp_path, fake_encoder, "Depuis quand Jakob Böhme vit-il à Görlitz ?")
    assert span.short == "1599"


def test_the_reader_does_not_move_the_confidence(tmp_path, fake_encoder):
    """Relevance is listwise (which sentence answers), not evidence that any does: abstention stays the extractor's."""
    from qa.extract import Extractor

    retriever, text = _two_sentence_store(tmp_path, fake_encoder)
    question = "Qui a été témoin de miracles ?"
    vector = fake_encoder.encode_queries([question])[0]
    passage = retriever.passage(0, score=1.0, rank=1, similarity=0.5)
    plain_extractor = Extractor(retriever.store)
    plain = plain_extractor.span(question, plain_extractor.candidates(question, vector, [passage]))
    first, second = (text[c.start : c.end] for c in plain_extractor.candidates(question, vector, [passage]))
    script = {first: Reading(-5.0, 0, 2), second: Reading(9.0, 0, 5)}
    reading = Extractor(retriever.store, reader=_ScriptedReader(script))
    read = reading.span(question, reading.candidates(question, vector, [passage]))
    assert read.text != plain.text
    assert (read.score, read.confidence) == (plain.score, plain.confidence)


# --------------------------------------------------------------------------- the real reader


@pytest.fixture(scope="module")
def reader(prepared_model):
    return Reader(prepared_model, precision="fp32")  # the default


@pytest.mark.slow
def test_the_real_reader_prefers_the_sentence_that_answers(reader):
    answering = "Moscou a nié toute livraison d’armes à la Corée du Nord."
    other = "Le sommet s’est tenu à Pyongyang sous une pluie battante."
    yes, no = reader.read("Qui a nié les livraisons d’armes ?", [answering, other])
    assert yes.relevance > no.relevance


@pytest.mark.slow
def test_the_real_reader_s_span_lies_inside_its_sentence(reader):
    sentence = "Lavrov est arrivé à Pyongyang le 18 octobre 2023 pour deux jours."
    (reading,) = reader.read("Quand Lavrov est-il arrivé à Pyongyang ?", [sentence])
    assert 0 <= reading.start < reading.end <= len(sentence)
    assert "2023" in sentence[reading.start : reading.end]


@pytest.mark.slow
def test_the_exported_graph_agrees_with_the_torch_head(reader, prepared_model):
    import torch
    from transformers import AutoModel, AutoTokenizer

    from index.models.reader_head import HeadConfig, ReaderHead, layer_states

    meta, tensors = load_weights(WEIGHTS_FILE)
    config = HeadConfig.from_dict(meta["config"])
    head = ReaderHead(config).eval()
    head.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
    model = AutoModel.from_pretrained(str(prepared_model)).eval()
    question, sentences = "Qui a nié les livraisons ?", ["Moscou a nié les livraisons.", "Il pleuvait à Séoul."]
    batch = AutoTokenizer.from_pretrained(str(prepared_model))(
        [f"query: {question} passage: {s}" for s in sentences], padding=True, return_tensors="pt"
    )
    with torch.no_grad():
        states = layer_states(model(**batch, output_hidden_states=True).hidden_states, config)
        expected = head(states, batch["attention_mask"].float())[2].numpy()
    got = np.array([r.relevance for r in reader.read(question, sentences)])
    assert got == pytest.approx(expected, abs=1e-3)  # fp32: the same arithmetic, fused
    assert np.argmax(got) == np.argmax(expected)


@pytest.mark.slow
def test_the_assistant_reads_with_the_head_only_when_asked(news_index, encoder, monkeypatch):
    from index.store import Store
    from qa.assistant import Assistant
    from qa.retriever import Retriever

    retriever = Retriever(Store.load(news_index), encoder)
    monkeypatch.delenv("QA_READER_HEAD", raising=False)
    assert Assistant(retriever).extractor.reader is None
    assert Assistant(retriever, reader_head=True).extractor.reader is not None
    monkeypatch.setenv("QA_READER_HEAD", "1")
    assert Assistant(retriever).extractor.reader is not None
    assert Assistant(retriever, reader_head=False).extractor.reader is None


# --------------------------------------------------------------------------- the assistant with the reader


@pytest.fixture(scope="module")
def reading_assistant(news_index, encoder):
    from index.store import Store
    from qa.assistant import Assistant
    from qa.retriever import Retriever

    return Assistant(Retriever(Store.load(news_index), encoder), reader_head=True)


@pytest.mark.slow
def test_with_the_reader_who_denied_the_deliveries_is_answered_with_the_denial(reading_assistant):
    from index.french import fold

    answer = reading_assistant.ask("Qui a nié les livraisons ?")
    assert not answer.abstained
    assert any(w in fold(answer.text) for w in ("dementi", "objecte", "denonce", "sans preuve", "aucune preuve"))
    assert answer.span.short and answer.span.short in answer.span.text


@pytest.mark.slow
def test_with_the_reader_unanswerable_news_questions_abstain(reading_assistant):
    from tests.test_assistant import UNANSWERABLE

    for item in UNANSWERABLE:
        assert reading_assistant.ask(item["question"]).abstained, item["question"]


@pytest.mark.slow
def test_with_the_reader_most_answerable_news_questions_are_answered(reading_assistant):
    from tests.test_assistant import ANSWERABLE

    answered = sum(not reading_assistant.ask(q["question"]).abstained for q in ANSWERABLE)
    assert answered >= 0.85 * len(ANSWERABLE)
