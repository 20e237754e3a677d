"""French text: sentence boundaries with offsets and the lexical analyzer."""

from __future__ import annotations

from index.french import analyze, fold, sentence_spans


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_abbreviation_m_does_not_end_a_sentence():
    assert sentences("M. Lavrov est arrivé. Il repart demain.") == ["M. Lavrov est arrivé.", "Il repart demain."]


def test_abbreviation_with_non_breaking_space():
    assert sentences("M.\u00a0Kim a parlé. MM. Kim et Poutine aussi.") == [
        "M.\u00a0Kim a parlé.",
        "MM. Kim et Poutine aussi.",
    ]


def test_initials_do_not_end_a_sentence():
    assert sentences("J. Kirby a parlé. Fin.") == ["J. Kirby a parlé.", "Fin."]


def test_closing_quotes_stay_with_their_sentence():
    text = "Il a dit « c’est certain. » Puis il est parti. “Oui.” Fin."
    assert sentences(text) == ["Il a dit « c’est certain. »", "Puis il est parti.", "“Oui.”", "Fin."]


def test_line_breaks_end_sentences_even_without_a_period():
    assert sentences("Livraisons en cours ?\n\n1000 conteneurs\nLe texte suit.") == [
        "Livraisons en cours ?",
        "1000 conteneurs",
        "Le texte suit.",
    ]


def test_numbers_and_month_abbreviations_do_not_split():
    assert sentences("Le 3 oct. 2023, 60.000 personnes et 2,5 millions d’euros. Fin.") == [
        "Le 3 oct. 2023, 60.000 personnes et 2,5 millions d’euros.",
        "Fin.",
    ]


def test_sentence_offsets_are_exact():
    text = "  Première phrase.  Deuxième ?\n Troisième !  "
    for a, b in sentence_spans(text):
        assert text[a:b] == text[a:b].strip() and text[a:b]


def test_fold_removes_accents_and_case():
    assert fold("Élysée ÉTATS-UNIS cœur") == "elysee etats-unis cœur"


def test_analyze_strips_elisions_with_both_apostrophes():
    assert analyze("l’armée") == analyze("l'armée") == analyze("armée")
    assert analyze("jusqu’à lorsqu’il qu’elle") == []


def test_analyze_drops_stop_and_question_words_and_stems():
    assert analyze("Qui a nié les livraisons ?") == ["nie", "livraison"]
    assert analyze("Quand ?", keep_question_words=True) == ["quand"]


def test_analyze_matches_across_accents_and_inflection():
    assert set(analyze("démenties")) == set(analyze("démenti"))
    assert analyze("Etats-Unis") == analyze("États-Unis")
