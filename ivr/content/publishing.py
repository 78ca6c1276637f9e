"""Published versions of prompts/ and data/: what one is, how it is told apart, compared and written out again.

A version is the operators' files as they were when published: every prompts/*.yaml and the data callers hear
(regions.yaml, lines.yaml), by name. The database keeps them numbered (ivr.storage.published); each serving process
runs the newest (ivr.content.versions). Calls keep the short hash of the files (`Published.version`), so a version
published again by a rollback is the very version its calls already know.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
from pathlib import Path
from typing import Protocol

# The data files a version carries: accounts.yaml holds demo accounts loaded into an empty database, not what callers
# hear, so a version leaves it out.
DATA_FILES = ("regions.yaml", "lines.yaml")


@dataclasses.dataclass(frozen=True)
class Published:
    number: int
    digest: str
    author: str
    at: dt.datetime
    message: str
    # Name (prompts/menus.yaml, data/lines.yaml) to the file's text; empty in listings, which do not need it.
    files: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def version(self) -> str:
        """The short hash calls keep: the same files always make the same one, whichever number they were given."""
        return self.digest[:16]


@dataclasses.dataclass(frozen=True)
class Logged:
    """One entry of the publish log: who stored which version, when, and how."""

    at: dt.datetime
    who: str
    # `publish` or `rollback` (then `source` is the version published again).
    action: str
    number: int
    source: int | None
    # `command` (ivr publish, ivr rollback), `page` (the operator page), `serve` (a save) or `start` (a first start).
    via: str


class PublishedVersions(Protocol):
    """Where published versions are kept: the database the hotline uses (ivr.storage.published implements it)."""

    def latest_number(self) -> int | None: ...

    def latest(self) -> Published | None: ...

    def get(self, number: int) -> Published | None: ...

    def with_version(self, version: str) -> Published | None: ...

    def listing(self) -> list[Published]: ...

    def add(self, files: dict[str, str], digest: str, author: str, message: str, at: dt.datetime, *,
            source: int | None = None, via: str = "serve") -> Published:
        """Store the files as the next number, entered in the publish log (a rollback of `source` when given); files
        identical to the newest version return that one instead."""

    def first(self, files: dict[str, str], digest: str, author: str, message: str, at: dt.datetime) -> Published:
        """Store the files as version 1 unless a version exists; returns version 1 either way."""

    def log(self) -> list[Logged]:
        """The publish log, newest first."""


class UnreadableFile(Exception):
    """A file of prompts/ or data/ that cannot be read as text; the message names it."""


def file_names(prompts: Path, data: Path) -> list[tuple[str, Path]]:
    """Each file a version carries, under the name it is kept by, and where it is on disk."""
    files = [(f"prompts/{p.name}", p) for p in sorted(Path(prompts).glob("*.yaml"))]
    return files + [(f"data/{name}", Path(data) / name) for name in DATA_FILES]


def read_files(prompts: Path, data: Path) -> dict[str, bytes]:
    files = {}
    for name, path in file_names(prompts, data):
        try:
            files[name] = path.read_bytes()
        except OSError as exc:
            raise UnreadableFile(f"{path}: cannot read the file ({exc.strerror})") from None
    return files


def as_text(files: dict[str, bytes]) -> dict[str, str]:
    """The files as text for the database; the checks have refused any that is not UTF-8 before this."""
    return {name: content.decode("utf-8") for name, content in files.items()}


def as_bytes(files: dict[str, str]) -> dict[str, bytes]:
    return {name: text.encode("utf-8") for name, text in files.items()}


def digest(files: dict[str, bytes]) -> str:
    """The SHA-256 of the files by name: equal files, equal digest, whenever and wherever they were read."""
    whole = hashlib.sha256()
    for name in sorted(files):
        whole.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return whole.hexdigest()


def write_out(files: dict[str, bytes], folder: Path) -> tuple[Path, Path]:
    """Write a version's files under folder as prompts/ and data/; returns the two folders."""
    for name, content in files.items():
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (Path(folder) / "prompts").mkdir(parents=True, exist_ok=True)
    (Path(folder) / "data").mkdir(parents=True, exist_ok=True)
    return Path(folder) / "prompts", Path(folder) / "data"


def diff(old: Published, new: Published) -> list[str]:
    """What changed from one version to another, file by file, as unified diff lines."""
    lines = []
    for name in sorted(set(old.files) | set(new.files)):
        before = old.files.get(name, "").splitlines(keepends=True)
        after = new.files.get(name, "").splitlines(keepends=True)
        lines += [line.rstrip("\n") for line in difflib.unified_diff(
            before, after, f"{name} (version {old.number})", f"{name} (version {new.number})")]
    return lines
