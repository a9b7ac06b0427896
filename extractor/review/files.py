"""Gold files on disk: safe names, atomic writes, versions, history.

Every file name that comes from a request goes through :func:`safe_path`, so
nothing is read or written outside the annotations folder (no ``..``, no
absolute paths, no symlink that points out).  Writes are atomic (temp file in
the same folder, fsync, rename) and the previous version is kept under
``.history/``; the version token of a file is a hash of its bytes, so two tabs
that loaded different versions cannot overwrite each other silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from extractor.errors import ExtractorError
from extractor.textutil import fold_key

HISTORY = ".history"
REVIEWERS = ".reviewers"
NO_VERSION = "none"  # the version of a gold file that does not exist yet


class ReviewError(ExtractorError):
    """A request the review tool refuses (bad name, stale version, invalid body)."""

    status = 400


class StaleVersion(ReviewError):
    status = 409


class UnsafePath(ReviewError):
    status = 400


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def safe_path(root: Path, name: str) -> Path:
    """``root/name`` if it stays inside ``root`` (after resolving symlinks), else UnsafePath."""
    if not name or "\x00" in name or "\\" in name:
        raise UnsafePath(f"{name!r}: not a file name inside {root}")
    parts = Path(name).parts
    if Path(name).is_absolute() or any(p in ("..", ".") for p in parts) or name.startswith("~"):
        raise UnsafePath(f"{name!r}: not a file name inside {root}")
    base = root.resolve()
    p = (root / name).resolve()
    if p != base and base not in p.parents:
        raise UnsafePath(f"{name!r}: points outside {root}")
    return p


def gold_name(source: str) -> str:
    """``annotations/<source stem>.json``, the name ``eval`` pairs with the source."""
    return Path(source).stem + ".json"


def reviewer_slug(reviewer: str) -> str:
    slug = fold_key(reviewer or "").replace(" ", "-")
    slug = re.sub(r"[^a-z0-9-]", "", slug)[:60]
    if not slug:
        raise ReviewError("reviewer name is empty (type your name in the top bar)")
    return slug


def version_of(path: Path) -> str:
    if not path.exists():
        return NO_VERSION
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def read_json(path: Path) -> Optional[dict]:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ReviewError(f"{path}: not valid JSON ({e})") from e
    if not isinstance(data, dict) or data.get("schema") != "dti-gold/1":
        raise ReviewError(f"{path}: not a dti-gold/1 file")
    return data


def atomic_write_json(path: Path, data: dict[str, Any], expect_version: Optional[str] = None,
                      history: bool = True) -> str:
    """Write ``data`` to ``path`` atomically; return the new version.

    With ``expect_version``, refuse (StaleVersion) when the file changed since
    that version was read.  The previous content goes to ``.history/``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if expect_version is not None:
        current = version_of(path)
        if current != expect_version:
            raise StaleVersion(f"{path.name} was saved by someone else since you opened it "
                               f"(version {expect_version}, now {current}): reload to see their changes")
    if history and path.exists():
        hist = path.parent / HISTORY
        hist.mkdir(exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        (hist / f"{path.stem}.{stamp}.json").write_bytes(path.read_bytes())
    body = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dfd = os.open(str(path.parent), os.O_RDONLY)
    try:
        os.fsync(dfd)  # the rename itself survives a crash
    finally:
        os.close(dfd)
    return hashlib.sha256(body).hexdigest()[:16]
