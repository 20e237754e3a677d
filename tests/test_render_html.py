"""The web UI's HTML: escaped text, highlights at exact offsets, sources panel, abstention (no server)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from qa.types import NO_ANSWER_MESSAGE, Answer, AnswerSpan, Citation, Passage
from ui.render import (
    Wrap,
    answer_html,
    error_html,
    escape,
    format_date,
    question_html,
    safe_url,
    sources_html,
    wrap_ranges,
)

ARTICLE = (
    "Washington a affirmé vendredi que la Corée du Nord avait livré plus de 1 000 conteneurs.\n\n"
    "Les allégations américaines ont été démenties tant par la Corée du Nord que par le Kremlin.\n\n"
    "« La Russie respecte strictement ses obligations », a déclaré l’ambassadeur."
)
ANSWER_TEXT = "Les allégations américaines ont été démenties tant par la Corée du Nord que par le Kremlin."
HOSTILE = 'Un <script>alert("xss")</script> et <img src=x onerror="alert(1)"> ici, ${value} {{x}} $$x^2$$.'
ALLOWED_TAGS = {"div", "p", "h3", "span", "mark", "strong", "a", "cite", "article", "details", "summary", "br"}


def passage(text: str = ARTICLE, *, doc_id: str = "002", start: int = 0, **meta) -> Passage:
    fields = {"title": "La visite de Lavrov", "score": 0.8421, "date": "2023-10-19", "source": "ATS"} | meta
    return Passage(doc_id=doc_id, text=text, start=start, end=start + len(text), **fields)


def answered(*, docs: tuple[str, ...] = ("002",), extra: int = 1, short: bool = False, understood: str = "") -> Answer:
    """An answer quoting ANSWER_TEXT, held by ``docs``, plus ``extra`` passages without it."""
    a = ARTICLE.index(ANSWER_TEXT)
    span = AnswerSpan(text=ANSWER_TEXT, doc_id=docs[0], start=a, end=a + len(ANSWER_TEXT), score=0.9, confidence=0.8)
    if short:
        s = ARTICLE.index("le Kremlin")
        span = AnswerSpan(**{**span.__dict__, "short": "le Kremlin", "short_start": s, "short_end": s + 10})
    cites = [Citation(i, passage(doc_id=d), (a, a + len(ANSWER_TEXT)), True) for i, d in enumerate(docs, start=1)]
    other = passage("Un autre passage, sans la réponse.", doc_id="009", start=0, title="Autre article")
    cites += [Citation(len(cites) + i, other) for i in range(1, extra + 1)]
    question = "Qui a nié les livraisons ?"
    return Answer(question=question, span=span, citations=tuple(cites), understood_question=understood)


def abstained() -> Answer:
    cites = (Citation(1, passage()), Citation(2, passage("Autre texte.", doc_id="003")))
    return Answer(question="Quel temps fera-t-il ?", span=None, citations=cites, message=NO_ANSWER_MESSAGE)


class Tags(HTMLParser):
    """Collects the tags, their attributes, the text of each <mark> and the visible text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.marks: list[str] = []
        self.text: list[str] = []
        self._in_mark = 0
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "mark":
            self._in_mark += 1
            self.marks.append("")

    def handle_endtag(self, tag):
        if tag == "mark":
            self._in_mark -= 1

    def handle_data(self, data):
        self.text.append(data)
        if self._in_mark:
            self.marks[-1] += data


def test_escape_shows_tags_as_text():
    assert escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_escape_neutralises_template_and_latex_syntax():
    out = escape("${value} {{x}} $$x$$ `code`")
    assert not any(ch in out for ch in "${}`")
    assert html.unescape(out) == "${value} {{x}} $$x$$ `code`"


def test_hostile_article_text_is_rendered_as_text_only():
    hostile = passage(HOSTILE, title='<img src=x onerror="alert(2)">Titre', url="javascript:alert(3)")
    answer = Answer(question="<script>q</script>", span=None, citations=(Citation(1, hostile),))
    markup = sources_html(answer, articles={"002": HOSTILE})
    parsed = Tags(markup)
    assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert HOSTILE in "".join(parsed.text)
    assert "javascript:" not in markup


def test_hostile_question_is_rendered_as_text_in_the_chat():
    markup = question_html('<img src=x onerror="alert(1)"> Qui ?')
    assert "<img" not in markup and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Qui ?" in markup


def test_error_messages_are_escaped():
    assert "&lt;b&gt;" in error_html("<b>La question est vide</b>")


def test_answer_is_marked_at_its_exact_offsets_in_the_passage():
    answer = answered()
    parsed = Tags(sources_html(answer))
    assert parsed.marks[0] == answer.citations[0].highlighted_text == ANSWER_TEXT


def test_passage_text_is_shown_verbatim_around_the_mark():
    parsed = Tags(sources_html(answered()))
    assert ARTICLE in "".join(parsed.text)


def test_full_article_is_one_click_away_with_the_answer_marked():
    answer = answered()
    markup = sources_html(answer, articles={"002": ARTICLE})
    assert "<details" in markup and "Lire l’article complet" in markup
    details = markup[markup.index("<details") :]
    assert Tags(details).marks == [ANSWER_TEXT]


def test_answer_message_quotes_the_sentence_with_numbered_citation_marks():
    markup = answer_html(answered(docs=("002", "004")), turn=3)
    assert ANSWER_TEXT in html.unescape(markup)
    assert '<a class="qa-cite" href="#qa-t3-s1"' in markup and ">[1]</a>" in markup and ">[2]</a>" in markup
    assert ">[3]</a>" not in markup  # the passage without the answer is not cited for it


def test_citation_marks_link_to_the_cards_of_the_sources_panel():
    answer = answered(docs=("002", "004"))
    chat, panel = answer_html(answer, turn=2), sources_html(answer, turn=2)
    for rank in (1, 2):
        assert f'href="#qa-t2-s{rank}"' in chat and f'id="qa-t2-s{rank}"' in panel


def test_short_answer_is_bold_inside_the_sentence():
    markup = answer_html(answered(short=True), turn=1)
    assert '<strong class="qa-short">le Kremlin</strong>' in markup
    assert ANSWER_TEXT in "".join(Tags(markup).text)


def test_several_articles_reporting_the_answer_are_counted():
    answer = answered(docs=("002", "004", "001"))
    assert "Rapporté par 3 articles" in answer_html(answer, turn=1)
    assert "Rapporté par 3 articles" in sources_html(answer)


def test_a_single_article_is_not_announced_as_several():
    assert "Rapporté par" not in answer_html(answered(), turn=1) + sources_html(answered())


def test_abstention_says_so_in_plain_french():
    markup = answer_html(abstained(), turn=1)
    assert "Je n’ai pas trouvé de réponse dans les articles." in markup
    assert "qa-abstained" in markup and "qa-cite" not in markup


def test_abstention_shows_the_closest_passages_marked_as_such():
    markup = sources_html(abstained())
    assert "Passages les plus proches" in markup and "Aucun de ces passages ne contient de réponse" in markup
    assert markup.count('class="qa-source qa-closest"') == 2
    assert markup.count("passage proche, sans réponse") == 2 and "<mark" not in markup


def test_rewritten_question_is_shown_as_understood():
    markup = answer_html(answered(understood="Et quand (nié livraisons) ?"), turn=2)
    assert "Question comprise" in markup and "Et quand (nié livraisons) ?" in html.unescape(markup)


def test_unchanged_question_is_not_repeated():
    assert "Question comprise" not in answer_html(answered(understood="Qui a nié les livraisons ?"), turn=1)


def test_passages_without_the_answer_are_hidden_unless_asked():
    answer = answered(extra=2)
    default, everything = sources_html(answer), sources_html(answer, show_all=True)
    assert default.count("<article") == 1 and "2 autres passages retrouvés" in default
    assert everything.count("<article") == 3 and "autres passages retrouvés" not in everything


def test_cards_show_title_source_date_and_score():
    text = "".join(Tags(sources_html(answered())).text)
    assert "La visite de Lavrov" in text and "ATS" in text and "19 octobre 2023" in text and "0,842" in text


def test_chat_messages_are_single_html_blocks():
    answer = answered(understood="Et quand ?")
    for markup in (answer_html(answer, turn=1), answer_html(abstained(), turn=1), question_html("a\nb")):
        assert "\n" not in markup and markup.startswith("<div")


def test_empty_panel_invites_a_question():
    assert "Posez une question" in sources_html(None)


def test_french_dates():
    assert format_date("2023-10-19") == "19 octobre 2023"
    assert format_date("2023-08-01") == "1er août 2023"
    assert format_date("2023-10") == "octobre 2023"
    assert format_date("2023") == "2023"
    assert format_date("") == ""


def test_only_web_addresses_become_links():
    assert safe_url("https://www.rts.ch/info/a.html") == "https://www.rts.ch/info/a.html"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("/etc/passwd") is None
    markup = sources_html(answered_with_url("https://example.org/a?b=1&c=2"))
    assert 'href="https://example.org/a?b=1&amp;c=2"' in markup and 'rel="noopener noreferrer nofollow"' in markup


def answered_with_url(url: str) -> Answer:
    cite = Citation(1, passage(url=url), None, True)
    span = AnswerSpan(text=ARTICLE[:10], doc_id="002", start=0, end=10, score=1.0)
    return Answer(question="q", span=span, citations=(cite,))


def test_nested_wraps_keep_every_character():
    out = wrap_ranges("abcdef", [Wrap(1, 5, "<i>", "</i>"), Wrap(2, 4, "<b>", "</b>")])
    assert out == "a<i>b<b>cd</b>e</i>f"


def test_out_of_range_wraps_are_ignored():
    assert wrap_ranges("a<b", [Wrap(2, 9, "<i>", "</i>")]) == "a&lt;b"
