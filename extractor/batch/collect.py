"""Which files a run will process, and why the others are left out.

Nothing vanishes silently: every file or folder that is not processed comes
back as a ``Skipped`` with its reason (hidden, unsupported type, unreadable
folder, broken or looping link).  A path named on the command line is always
processed, so an unreadable or missing one becomes a per-file failure with the
reader's message rather than a usage error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Union

PathLike = Union[str, Path]


@dataclass
class Skipped:
    path: str
    reason: str


@dataclass
class Collected:
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def discover(paths: Iterable[PathLike]) -> Collected:
    """Files named, and supported files found under folders named (recursively)."""
    from extractor.ingest import SUPPORTED_SUFFIXES

    out = Collected()
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = os.path.abspath(p)
        if key not in seen:
            seen.add(key)
            out.files.append(p)

    for p in map(Path, paths):
        if p.is_dir():
            _walk(p, out, add, SUPPORTED_SUFFIXES)
        else:
            add(p)  # missing, unreadable or odd: the reader says why, per file
    return out


def _walk(root: Path, out: Collected, add, suffixes: set[str]) -> None:
    visited: set[str] = {os.path.realpath(root)}
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as e:
            out.skipped.append(Skipped(str(d), f"unreadable folder ({e.strerror or e})"))
            continue
        subdirs = []
        for e in entries:
            p = Path(e.path)
            if e.name.startswith("."):
                out.skipped.append(Skipped(str(p), "hidden"))
                continue
            try:
                if e.is_symlink():
                    target = os.path.realpath(p)
                    if not os.path.exists(p):
                        # realpath of a cycle (a -> b -> a) does not exist either
                        why = "looping link" if _loops(p) else "broken link"
                        out.skipped.append(Skipped(str(p), f"{why} (-> {os.readlink(p)})"))
                        continue
                    if os.path.isdir(p):
                        if target in visited or _is_ancestor(target, visited):
                            out.skipped.append(Skipped(str(p), f"looping link (-> {os.readlink(p)})"))
                            continue
                        visited.add(target)
                        subdirs.append(p)
                        continue
                elif e.is_dir():
                    visited.add(os.path.realpath(p))
                    subdirs.append(p)
                    continue
                if p.suffix.lower() not in suffixes:
                    out.skipped.append(Skipped(str(p), f"unsupported type ({p.suffix or 'no extension'})"))
                    continue
                if not os.access(p, os.R_OK):
                    out.skipped.append(Skipped(str(p), "unreadable file (permission denied)"))
                    continue
                add(p)
            except OSError as e:
                out.skipped.append(Skipped(str(p), f"unreadable ({e.strerror or e})"))
        stack.extend(reversed(subdirs))
    out.files.sort(key=lambda f: str(f))


def _loops(p: Path) -> bool:
    try:
        os.stat(p)
    except OSError as e:
        return e.errno == 40  # ELOOP
    return False


def _is_ancestor(target: str, visited: set[str]) -> bool:
    return any(v == target or v.startswith(target.rstrip(os.sep) + os.sep) for v in visited if len(target) <= len(v))


def collect(paths: Iterable[PathLike]) -> list[Path]:
    """The files only (the API ``extractor.batch.collect`` has always had)."""
    return discover(paths).files
