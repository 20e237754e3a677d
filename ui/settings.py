"""The user interfaces' own settings: where ``qa serve`` listens, and the web UI's choices.

The answer settings (passages, retrieval, fusion) are the library's (:mod:`qa.settings`, :mod:`qa.fusion`);
the interfaces take them from there.
"""

from __future__ import annotations

from qa.settings import MAX_K

DEFAULT_HOST = "127.0.0.1"  # only this machine; ``--host 0.0.0.0`` serves the network
DEFAULT_PORT = 7860
SLIDER_MAX_K = min(20, MAX_K)  # the settings slider's range (a UI choice); the ``/ask`` API takes up to MAX_K
