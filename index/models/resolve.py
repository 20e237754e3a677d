"""What a model choice names: the default model, a local directory, or a hub id.

:func:`resolve_model` answers at once, without touching the network when it need not: the
default is prepared locally (:mod:`index.models.prepare`), a directory is checked, and a hub
id is accepted only when it is in the local Hugging Face cache or the hub answers; otherwise
:class:`~index.models.errors.ModelUnavailableError` says what to do instead.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from urllib.parse import urlparse

from index import settings
from index.models.errors import ModelUnavailableError
from index.models.prepare import prepare_default_model

DEFAULT_ALIASES = frozenset({"", "default"})
_TRUE, _FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})


def env_flag(name: str, *, default: bool = False) -> bool:
    """The environment variable ``name`` as a switch: 1 / on / true / yes, 0 / off / false / no
    (any case, spaces around ignored); unset or anything else: ``default``."""
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return default


def _hub_endpoint() -> tuple[str, int]:
    url = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    return url.hostname or "huggingface.co", url.port or (80 if url.scheme == "http" else 443)


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
    if env_flag("HF_HUB_OFFLINE") or env_flag("TRANSFORMERS_OFFLINE"):
        raise _unavailable(name, "HF_HUB_OFFLINE is set and it is not in the local cache")
    if not hub_reachable():
        host, _ = _hub_endpoint()
        raise _unavailable(name, f"the model hub ({host}) cannot be reached")
    return name

