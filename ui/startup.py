"""Start-up of ``qa serve``, in one place: build the index if it is missing, load the assistant, serve.

The assistant is loaded while Gradio is imported on another thread.

Importing Gradio costs seconds of Python (≈ 5.8 s on this project's 2-core machines);
loading the index and the ONNX model, then a warm-up question, costs about as much again,
mostly in native code that releases the GIL. Done side by side, the first answer comes
≈ 2–3 s sooner (``bench/answer.py``, cold start). This module imports neither Gradio nor
torch itself.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ui.settings import DEFAULT_HOST, DEFAULT_PORT

if TYPE_CHECKING:
    from qa.assistant import Assistant

WARM_UP_QUESTION = "Qui a nié les livraisons ?"


def index_is_missing(index_dir: Path) -> bool:
    """No index directory, or an empty one (``qa serve`` then builds it from the corpus)."""
    return not index_dir.exists() or (index_dir.is_dir() and not any(index_dir.iterdir()))


def load_assistant(
    *, index_dir: str | Path, corpus_dir: str | Path | None = None, model: str | None = None,
    reader: bool | None = None, reader_head: bool | None = None,
) -> Assistant:
    """The assistant over ``index_dir`` (built from ``corpus_dir`` first if missing), warmed up;
    ``reader`` and ``reader_head`` as :class:`qa.assistant.Assistant` takes them."""
    from qa.assistant import Assistant

    index_dir = Path(index_dir)
    if index_is_missing(index_dir) and corpus_dir is not None:
        from index import Encoder, Store
        from qa.retriever import Retriever

        encoder = Encoder(model)
        build_missing_index(index_dir, Path(corpus_dir), encoder)
        assistant = Assistant(  # the model is loaded already
            Retriever(Store.load(index_dir), encoder), reader=reader, reader_head=reader_head
        )
    else:
        print(f"Chargement de l’index {index_dir} et du modèle…", flush=True)
        assistant = Assistant.load(index_dir, model=model, reader=reader, reader_head=reader_head)
    assistant.ask(WARM_UP_QUESTION)  # the models' sessions (and spaCy) are made now, not for the first user
    return assistant


def build_missing_index(index_dir: Path, corpus_dir: Path, encoder) -> None:
    """Build the index of ``corpus_dir`` with ``encoder`` into ``index_dir``, saying so, then its summary."""
    from index import build_index
    from ui.terminal import print_build_summary

    print(f"Index absent ({index_dir}) : construction depuis {corpus_dir}…", flush=True)
    print_build_summary(build_index(corpus_dir, index_dir, encoder=encoder))


def serve(
    *,
    index_dir: str | Path,
    corpus_dir: str | Path | None = None,
    model: str | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    share: bool = False,
    reader: bool | None = None,
    reader_head: bool | None = None,
) -> None:
    """``qa serve``: build the index if missing, load the assistant, serve the web UI until Ctrl-C."""
    ui_import = threading.Thread(target=_import_quietly, args=("ui.app",), name="import-ui", daemon=True)
    ui_import.start()
    assistant = load_assistant(index_dir=index_dir, corpus_dir=corpus_dir, model=model, reader=reader,
                               reader_head=reader_head)
    ui_import.join()
    from ui.app import serve_assistant  # an import that failed on the thread raises here, with its traceback

    serve_assistant(assistant, host=host, port=port, share=share)


def _import_quietly(name: str) -> None:
    with contextlib.suppress(Exception):  # the main thread imports it again and reports the error
        importlib.import_module(name)
