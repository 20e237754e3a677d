"""``python -m index.models [--backend NAME] [--quiet]``: prepare every model file now (``make install``).

The default model (:mod:`index.models.prepare`), its ONNX exports for the backend
(``$QA_BACKEND`` or the default) and for that backend's questions, and the reader's export
unless ``$QA_READER_HEAD`` refuses the reader's head. Each is made once: when all are there, this only
checks their stamps.
"""

from __future__ import annotations

import argparse
import sys

from index.models.encoder import ONNX_PRECISION, QUERY_BACKEND, resolve_backend
from index.models.onnx_export import ensure_export
from index.models.reader import HEAD_ENV, ensure_reader_export, precision_from_env
from index.models.resolve import env_flag, resolve_model


def prepare_all(*, backend: str | None = None, progress: bool = True) -> list[str]:
    """Prepare the default model, its exports for ``backend`` and the reader's; the paths made or checked."""
    model = resolve_model("default", progress=progress)
    paths = [model]
    backend = resolve_backend(backend)
    if backend != "torch":
        for name in dict.fromkeys([backend, QUERY_BACKEND.get(backend, backend)]):  # its questions' model too
            paths.append(str(ensure_export(model, precision=ONNX_PRECISION[name], progress=progress)))
    if env_flag(HEAD_ENV, default=True):
        paths.append(str(ensure_reader_export(model, precision=precision_from_env(), progress=progress)))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.models", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=None, help="backend to export for (default: $QA_BACKEND or the default)")
    parser.add_argument("--quiet", action="store_true", help="print nothing unless it fails")
    args = parser.parse_args(argv)
    try:
        paths = prepare_all(backend=args.backend, progress=not args.quiet)
    except ValueError as exc:  # a model that cannot be used here, a bad $QA_BACKEND or $QA_READER_PRECISION
        print(f"qa: error: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print("\n".join(paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
