"""How model files are written: under one inter-process lock, atomically, readable by all.

Every writer of ``<QA_HOME>/models`` (the default model's directory, the ONNX exports, the
reader's export, their stamps) goes through :func:`file_lock` and :func:`atomic_write`, so a
process that is killed half-way leaves at most a hidden temporary next to the target, never a
half-written target, and two processes never prepare the same file at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def file_lock(target: Path) -> Iterator[None]:
    """An exclusive inter-process lock on ``target`` while it is made (POSIX ``flock``; no-op elsewhere).

    The lock is held on the hidden file ``.<name>.lock`` next to ``target`` (created with its
    folder if missing, and left in place afterwards).
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / f".{target.name}.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def temporary_prefix(target: Path) -> str:
    """The name every temporary made for ``target`` starts with (hidden, next to it)."""
    return f".{target.name}.tmp-"


def atomic_write(target: Path, write: Callable[[Path], None], *, directory: bool = False) -> None:
    """Make ``target`` all at once: ``write(tmp)`` fills a temporary next to it, which is then renamed onto it.

    ``tmp`` is an empty file, or with ``directory=True`` an empty directory; once written it is
    made readable by all (``mkstemp``/``mkdtemp`` make private ones) and replaces ``target``
    (an existing directory is moved aside first, then removed). When ``write`` fails, or the
    process is interrupted, the temporary is removed and ``target`` is left as it was.
    """
    parent, prefix = target.parent, temporary_prefix(target)
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    else:
        fd, name = tempfile.mkstemp(prefix=prefix, dir=parent)
        os.close(fd)
        tmp = Path(name)
    try:
        write(tmp)
        _make_readable(tmp)
        if directory and (target.exists() or target.is_symlink()):
            old = parent / f"{prefix}old-{os.getpid()}"
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        remove(tmp)
        raise


def remove(path: Path) -> None:
    """Remove a file or a directory tree, if it is there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _make_readable(path: Path) -> None:
    for p in [path, *(path.rglob("*") if path.is_dir() else ())]:
        with contextlib.suppress(OSError):
            p.chmod(0o755 if p.is_dir() else 0o644)


def read_json(path: Path, default: Any = None) -> Any:
    """The JSON document in ``path``; ``default`` when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def write_json(path: Path, data: object) -> None:
    """``data`` as indented UTF-8 JSON in ``path`` (its folder made if missing); not atomic by itself."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def atomic_write_json(path: Path, data: object) -> None:
    """``data`` as JSON in ``path``, written atomically (:func:`atomic_write`): a stamp is whole or absent."""
    atomic_write(path, lambda tmp: write_json(tmp, data))


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's contents, read by the MiB."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
