"""The web UI end to end in headless Chromium: the real app, the real model, a real browser.

Uses Debian's Chromium (``apt-get install chromium``) driven by Playwright for Python
(``pip install playwright``; no browser download). Screenshots and timings go to
``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from index.french import fold
from tests.ui_helpers import ARTIFACTS, record_timing, served

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

CHROMIUM = os.environ.get("QA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOW_TO_ENABLE = (
    "the browser test needs Debian's Chromium and Playwright for Python: "
    "`apt-get install chromium` and `pip install playwright` (or `pip install -e '.[test]'`); "
    "set QA_CHROMIUM to use another Chromium binary"
)
DENIAL = "Qui a nié les livraisons ?"
DENIAL_WORDS = ("dementi", "objecte", "denonce", "sans preuve", "aucune preuve")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

HOSTILE_ARTICLE = """---
title: <script>window.__pwned = 'title'</script>Budget <img src=x onerror="window.__pwned = 'title-img'">
source: <b onmouseover="window.__pwned = 'source'">Agence</b>
date: 2024-03-05
url: javascript:window.__pwned = 'url'
---
Le conseil municipal de Trifouillis a voté le budget <img src=x onerror="window.__pwned = 'img'"> mardi soir.
<script>window.__pwned = 'script'</script>
Le maire a salué un budget « responsable » : ${7*7} {{7*7}} $$x^2$$ **gras** [lien](javascript:alert(1)).
"""


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"Playwright is not installed: {HOW_TO_ENABLE}")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: {HOW_TO_ENABLE}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def url(assistant):
    with served(assistant) as (_, address):
        yield address


def open_page(browser, url: str, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("dialog", lambda dialog: (page.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.goto(url)
    page.locator("#qa-question textarea").wait_for()
    return page


@pytest.fixture
def page(browser, url):
    page = open_page(browser, url, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, url):
    page = open_page(browser, url, PHONE)
    yield page
    page.context.close()


def ask(page, question: str):
    """Type ``question``, press Enter, wait for the new answer: (the answer's element, seconds)."""
    answers = page.locator("#qa-chat .qa-answer")
    before = answers.count()
    box = page.locator("#qa-question textarea")
    box.fill(question)
    began = time.perf_counter()
    box.press("Enter")
    answers.nth(before).wait_for()
    return answers.nth(before), time.perf_counter() - began


def squash(text: str) -> str:
    return " ".join(text.replace("«", " ").replace("»", " ").split())


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(300)  # let the last layout pass settle
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_question_is_answered_with_the_denial_and_its_highlighted_source(page):
    answer, seconds = ask(page, DENIAL)
    record_timing("browser_answer_latency_s", seconds)
    quote = squash(answer.locator(".qa-quote").inner_text())
    assert any(word in fold(quote) for word in DENIAL_WORDS), quote
    highlighted = page.locator("#qa-sources mark.qa-hl").first
    assert highlighted.is_visible() and squash(highlighted.inner_text()) == quote
    assert page.errors == []


def test_citation_marks_match_the_cards_of_the_sources_panel(page):
    answer, _ = ask(page, DENIAL)
    marks = answer.locator("a.qa-cite").all_inner_texts()
    assert marks and marks[0] == "[1]"
    for mark in marks:
        assert page.locator("#qa-sources .qa-num", has_text=mark).count() == 1


def test_follow_up_is_answered_in_the_light_of_the_previous_turn(page):
    ask(page, DENIAL)
    follow, _ = ask(page, "Et quand ?")
    understood = follow.locator(".qa-understood")
    assert understood.is_visible() and "livraisons" in understood.inner_text()
    assert "qa-error" not in (follow.get_attribute("class") or "")
    assert "Et quand ?" in page.locator("#qa-sources .qa-for").inner_text()
    screenshot(page, "ui-desktop.png")


def test_clicking_an_earlier_answer_shows_its_sources(page):
    first, _ = ask(page, DENIAL)
    ask(page, "Combien d'obus l'armée russe tire-t-elle chaque jour ?")
    first.click()
    page.locator("#qa-sources .qa-for", has_text="nié les livraisons").wait_for()


def test_example_question_is_asked_in_one_click(page):
    page.get_by_role("button", name=DENIAL).first.click()
    page.locator("#qa-chat .qa-answer").first.wait_for()
    assert DENIAL in page.locator("#qa-chat").inner_text()


def test_show_all_setting_lists_every_retrieved_passage(page):
    ask(page, DENIAL)
    page.locator("#qa-settings button").first.click()
    page.get_by_label("Afficher tous les passages retrouvés").check()
    page.wait_for_function("document.querySelectorAll('#qa-sources article.qa-source').length >= 5")


def test_full_article_opens_on_the_highlighted_answer(page):
    ask(page, DENIAL)
    page.locator("#qa-sources details summary").first.click()
    article = page.locator("#qa-sources details .qa-article-text").first
    assert article.is_visible() and article.locator("mark.qa-hl").is_visible()


def test_empty_question_gets_a_french_message(page):
    page.locator("#qa-question textarea").press("Enter")
    page.locator("#qa-chat .qa-error").wait_for()
    assert "La question est vide" in page.locator("#qa-chat .qa-error").inner_text()


def test_clear_button_starts_a_new_conversation(page):
    ask(page, DENIAL)
    page.locator("#qa-clear").click()
    page.locator("#qa-sources .qa-empty").wait_for()
    assert page.locator("#qa-chat .qa-answer").count() == 0


def test_phone_layout_fits_390_pixels(phone):
    ask(phone, DENIAL)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.locator("#qa-chat a.qa-cite").first.click()  # the citation mark jumps down to its source
    phone.locator("#qa-sources mark.qa-hl").first.wait_for()
    screenshot(phone, "ui-phone.png")


# ----------------------------------------------------------------------------- hostile content


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory, encoder):
    from index import Store, build_index
    from qa.assistant import Assistant
    from qa.retriever import Retriever

    root = tmp_path_factory.mktemp("hostile")
    (root / "corpus").mkdir()
    (root / "corpus" / "piege.md").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    build_index(root / "corpus", root / "index", encoder=encoder, progress=False)
    with served(Assistant(Retriever(Store.load(root / "index"), encoder))) as (_, address):
        yield address


def test_hostile_article_and_question_show_as_text(browser, hostile_url):
    page = open_page(browser, hostile_url, DESKTOP)
    try:
        ask(page, "<img src=x onerror=\"window.__pwned = 'question'\"> Qui a voté le budget ?")
        page.locator("#qa-sources details summary").first.click()
        page.wait_for_timeout(500)
        assert page.evaluate("window.__pwned") is None and page.errors == []
        assert page.locator("#qa-chat img, #qa-sources img, #qa-sources script, #qa-sources b").count() == 0
        panel = page.locator("#qa-sources").inner_text()
        assert "<script>window.__pwned = 'script'</script>" in panel
        assert "${7*7} {{7*7}} $$x^2$$ **gras** [lien](javascript:alert(1))" in panel
        assert "<img src=x onerror=" in page.locator("#qa-chat").inner_text()
        assert page.locator("#qa-sources a[href^='javascript']").count() == 0
    finally:
        page.context.close()
