"""Helpers for the web UI's tests: a free port, the real app served in the background, artifacts."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(assistant, **launch_options) -> Iterator[tuple[object, str]]:
    """The real app over ``assistant``, served on a free local port until the block ends: (app, url)."""
    from ui.app import build_app, launch

    app = build_app(assistant)
    url = launch(app, port=free_port(), block=False, quiet=True, **launch_options)
    try:
        yield app, url
    finally:
        app.close()


def record_timing(name: str, seconds: float) -> None:
    """Add a measured duration to ``test-artifacts/ui-timings.json`` (figures for the report, never asserted)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "ui-timings.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[name] = round(seconds, 3)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{name}: {seconds:.3f} s")
