"""Where trained models live: the shared cache (every host reads the same model), with a
copy in a file under ``VAR_DIR/triage`` so a restart or an evicted cache key does not cost
a retraining. A model is stored with a token; a process keeps the model it loaded and
reloads it only when the token in the cache changes (one small cache read per suggestion).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
import uuid
import zlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

#: 2: the classifier reads ``data.features`` (skeletons, Russian words)
FORMAT = 2


def _in_memory_database() -> bool:
    from django.db import connection

    name = str(connection.settings_dict.get("NAME") or "")
    return connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name)


def _database_tag() -> str:
    # Two databases (the demo and a test run) never share a model through the same cache
    # or the same var directory.
    from django.db import connection

    db = connection.settings_dict
    ident = f"{db.get('ENGINE')}|{db.get('HOST')}|{db.get('PORT')}|{db.get('NAME')}"
    return hashlib.sha1(ident.encode()).hexdigest()[:10]


class ModelStore:
    """Stores one pickled model per key ("site-3", "all") for a back-end ``namespace``;
    ``version`` (e.g. the library's version) keeps models of another version apart."""

    def __init__(self, namespace: str, version: str = ""):
        self.namespace = namespace
        self.version = version

    # -- keys and places ---------------------------------------------------------------
    def _cache_key(self, key: str, part: str) -> str:
        return (f"civicdesk:triage:{self.namespace}:{FORMAT}:{self.version}:"
                f"{_database_tag()}:{key}:{part}")

    def directory(self) -> Path | None:
        """Where model files go; None: no files (an in-memory database, such as the test
        suite's, dies with its process: a file of its model would outlive it)."""
        default = Path(settings.VAR_DIR) / "triage"
        value = getattr(settings, "CIVICDESK_REPORTS_TRIAGE_DIR", default)
        if not value:
            return None
        if value == default and _in_memory_database():
            return None
        return Path(value)

    def _path(self, key: str) -> Path | None:
        directory = self.directory()
        if directory is None:
            return None
        name = f"{self.namespace}-{self.version}-{_database_tag()}-{key}.pickle"
        return directory / name

    # -- reading -----------------------------------------------------------------------
    def token(self, key: str) -> str | None:
        """The current model's token, cheap to ask on every suggestion."""
        token = cache.get(self._cache_key(key, "token"))
        if token is None:
            path = self._path(key)
            if path is not None and path.exists():
                return f"file:{path.stat().st_mtime_ns}"
        return token

    def load(self, key: str):
        """``(token, model)`` or None when nothing (readable) is stored."""
        stored = cache.get(self._cache_key(key, "model"))
        if stored is None:
            stored = self._read_file(key)
            if stored is None:
                return None
            self._cache(key, *stored)
        token, blob = stored
        try:
            return token, pickle.loads(zlib.decompress(blob))
        except Exception as error:  # a model from an older code version: retrain
            logger.warning("Triage: stored model %s unreadable (%s).", key, error)
            return None

    def _read_file(self, key: str):
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        return f"file:{path.stat().st_mtime_ns}", blob

    # -- writing -----------------------------------------------------------------------
    def save(self, key: str, model) -> str:
        """Store ``model``; returns its new token."""
        blob = zlib.compress(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), 6)
        token = uuid.uuid4().hex
        self._write_file(key, blob)
        self._cache(key, token, blob)
        return token

    def _cache(self, key: str, token: str, blob: bytes) -> None:
        cache.set(self._cache_key(key, "model"), (token, blob), None)
        cache.set(self._cache_key(key, "token"), token, None)

    def _write_file(self, key: str, blob: bytes) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written beside, then renamed: a reader never sees half a file.
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(blob)
            os.replace(temporary, path)
        except OSError as error:
            logger.warning("Triage: model file not written (%s).", error)

    def delete(self, key: str) -> None:
        cache.delete_many([self._cache_key(key, "model"), self._cache_key(key, "token")])
        path = self._path(key)
        if path is not None and path.exists():
            path.unlink(missing_ok=True)

    # -- staleness ---------------------------------------------------------------------
    def mark_stale(self, key: str) -> None:
        cache.set(self._cache_key(key, "stale"), True, None)

    def is_stale(self, key: str) -> bool:
        return bool(cache.get(self._cache_key(key, "stale")))

    def clear_stale(self, key: str) -> None:
        cache.delete(self._cache_key(key, "stale"))

    def claim_retraining(self, key: str, seconds: int = 300) -> bool:
        """True for the first caller in ``seconds``: many corrections queue one retraining."""
        return cache.add(self._cache_key(key, "pending"), True, seconds)

    def release_retraining(self, key: str) -> None:
        cache.delete(self._cache_key(key, "pending"))
