"""Hot reload: the version of prompts/ and data/ to serve, with earlier versions kept for calls still on them.

Edits are read, parsed and checked by a watcher thread in each process, never inside a request: a request only reads
which version is current. A version is served only if `ivr check --strict` finds nothing in it; anything that goes
wrong while reading or checking it (any exception) refuses it with its reason, and callers keep the version they had.

With published versions (ivr.content.publishing, kept in the database), every process serves the newest one: the
watcher looks at the newest number every interval, so a version published by `ivr publish` or `ivr rollback` reaches
every process of every replica within seconds. A first start with nothing published publishes the files it ships
with. Where saves are published (`ivr serve` on a laptop), the watcher also publishes each valid save of the files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import weakref
from pathlib import Path

from ivr.content.publishing import (
    Published,
    PublishedVersions,
    as_bytes,
    as_text,
    digest,
    file_names,
)
from ivr.content.version import HotlineError, load_hotline
from ivr.core.hotline import Hotline

log = logging.getLogger("ivr.reload")

# Who published a version the server published by itself, as `ivr versions` lists it.
SERVER = "ivr serve"


class RefusedEdit(HotlineError):
    """Edited files that do not pass the checks; `problems` are the lines the operator reads, at their own files."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0])
        self.problems = problems


class Versions:
    """Called once per request: returns the current Hotline, or the version a call started on when asked for it."""

    def __init__(self, prompts: Path, data: Path, archive: Path, interval: float = 2.0, keep: int = 20, clock=time.monotonic,
                 published: PublishedVersions | None = None, publish_saves: bool = True):
        self.prompts, self.data, self.archive = Path(prompts), Path(data), Path(archive)
        self.interval = interval
        self.keep = keep
        self.clock = clock
        # The published versions, and whether valid saves of the files are published (and so served) by themselves.
        self.published = published
        self.watch_files = publish_saves or published is None
        # The number of the published version served, None before any.
        self.number: int | None = None
        self._refused_number: int | None = None
        self._database_down = False
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        # The process whose watcher thread runs: a worker forked from a master starts its own.
        self._watcher: int | None = None
        self._thread: threading.Thread | None = None
        self._pending = None
        self._known: dict[str, Hotline] = {}
        self.error: list[str] | None = None
        self.error_at: dt.datetime | None = None
        self._seen = self._fingerprint()
        self.current = self._start()
        self.since = dt.datetime.now(dt.timezone.utc)

    def _start(self) -> Hotline:
        """The files as they are; if they are broken, the last good version served from these same folders.

        A gunicorn worker that is recycled after an operator's broken edit must boot on what its siblings serve,
        or the whole pool stops. With no good version to fall back on (a first start) the error is raised, so the
        operator sees file:line at once. Without saves published, the newest published version is served instead.
        """
        if not self.watch_files:
            return self._start_published()
        try:
            files = self._snapshot()
            hotline = self._publish(files)
        except Exception as exc:
            fallback = self._newest_published() or self._last_good()
            if fallback is None:
                raise
            self.current = fallback
            self._failed(exc)
            return fallback
        self._remember(hotline)
        rolled_back = self._rolled_back_from(hotline)
        if rolled_back is not None:
            return rolled_back
        self.number = self._store(files, hotline)
        return hotline

    def _rolled_back_from(self, hotline: Hotline) -> Hotline | None:
        """The newest published version, when the files on disk were published before and something else since.

        A restart is no save: after `ivr rollback` the files on disk still hold what was rolled back, and publishing
        them again at the next start would undo the rollback. Files never published are a save made while stopped.
        """
        if self.published is None:
            return None
        try:
            latest = self.published.latest()
            if latest is None or latest.version == hotline.version or self.published.with_version(hotline.version) is None:
                return None
            served = self._from_published(latest)
        except Exception:  # noqa: BLE001  (the files on disk, which pass, are served and published as before)
            return None
        self.number = latest.number
        return served

    def _start_published(self) -> Hotline:
        """The newest published version; on a first start, the files shipped with the server, published first."""
        latest = self.published.latest()
        if latest is None:
            files = self._snapshot()
            hotline = self._publish(files)
            latest = self.published.first(as_text(files), digest(files), SERVER, "the files the server shipped with",
                                          dt.datetime.now(dt.timezone.utc))
            if latest.version == hotline.version:
                self.number = latest.number
                return hotline
        hotline = self._from_published(latest)
        self.number = latest.number
        return hotline

    def _newest_published(self) -> Hotline | None:
        """The newest published version, when there is one that passes; for a start on broken files."""
        if self.published is None:
            return None
        try:
            latest = self.published.latest()
            hotline = self._from_published(latest) if latest is not None else None
        except Exception:  # noqa: BLE001  (no published version to fall back on: the last good one is tried next)
            return None
        if hotline is not None:
            self.number = latest.number
        return hotline

    def _from_published(self, version: Published) -> Hotline:
        """A published version, checked as every way into service checks, and kept in the archive for calls on it."""
        return self._publish(as_bytes(version.files))

    def _store(self, files: dict[str, bytes], hotline: Hotline) -> int | None:
        """Publish a valid save of the files, so that `ivr versions` lists it and every process serves it; the number
        the files are served under (the one served so far when they could not be published)."""
        if self.published is None:
            return self.number
        try:
            stored = self.published.add(as_text(files), digest(files), SERVER, "saved in prompts/ and data/",
                                         dt.datetime.now(dt.timezone.utc))
        except Exception as exc:  # noqa: BLE001  (the save is served here all the same; publishing is retried on the next)
            log.warning("could not publish the saved files as a version: %s", exc)
            return self.number
        return stored.number if stored.version == hotline.version else self.number

    def _pointer(self) -> Path:
        # One pointer per pair of watched folders, so that hotlines sharing an instance folder never mix.
        folders = f"{self.prompts.resolve()}\0{self.data.resolve()}".encode()
        return self.archive / f"serving-{hashlib.sha256(folders).hexdigest()[:12]}.json"

    def _remember(self, hotline: Hotline) -> None:
        """Note which version these folders last served well, for a process that starts on broken files."""
        pointer = {"prompts": str(self.prompts.resolve()), "data": str(self.data.resolve()), "version": hotline.version}
        self.archive.mkdir(parents=True, exist_ok=True)
        # Named by process and thread: workers forked together from one master share thread identities.
        temporary = self._pointer().with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(json.dumps(pointer), encoding="utf-8")
        temporary.replace(self._pointer())

    def _last_good(self) -> Hotline | None:
        try:
            pointer = json.loads(self._pointer().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if pointer.get("prompts") != str(self.prompts.resolve()) or pointer.get("data") != str(self.data.resolve()):
            return None
        version = str(pointer.get("version", ""))
        if self._pinned(version) is None:
            return None
        try:
            # Served again only if it passes today's checks, like every other way into service.
            return self._checked(version, self.archive / version)
        except Exception:  # noqa: BLE001  (a last good version that no longer passes is no fallback)
            return None

    def __call__(self, version: str | None = None) -> Hotline:
        self._watch()
        current = self.current
        if version is None or version == current.version:
            return current
        return self._pinned(version) or current

    # Previews: a version a simulator call may run on without it being served to callers.

    def draft(self) -> Hotline:
        """The files on disk as a version of their own, checked as every way into service checks and kept for the calls
        on it, but not served: what the simulator previews before a publish. RefusedEdit (or HotlineError for a file
        that cannot be read) tells what keeps them out."""
        return self._publish(self._snapshot())

    def numbered(self, number: int) -> Hotline | None:
        """Published version `number`, checked and kept for the calls on it, but not served; None when there is none."""
        found = self.published.get(number) if self.published is not None else None
        return None if found is None else self._from_published(found)

    def status(self) -> dict:
        """What the simulator and the map show: the version served and the last edit that was refused."""
        return {
            "version": self.current.version,
            "number": self.number,
            "since": self.since.isoformat(timespec="seconds"),
            "error": self.error,
            "error_at": self.error_at.isoformat(timespec="seconds") if self.error_at else None,
        }

    # Watching the files, in a thread of each process.

    def _watch(self) -> None:
        """Start this process's watcher once; the request itself never reads the files."""
        if self.interval <= 0 or self._watcher == os.getpid():
            return
        with self._lock:
            if self._watcher == os.getpid():
                return
            self._watcher = os.getpid()
            # The thread holds the versions weakly, so that an app that is dropped (in tests) takes its watcher along.
            self._thread = threading.Thread(target=_watch, args=(weakref.ref(self), self._stopped, self.interval),
                                            name="ivr-reload", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop watching, and wait for a look already under way: an edit saved after this is no longer published."""
        self._stopped.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def refresh(self) -> None:
        """Look for edits and published versions once; whatever fails, callers keep the current version."""
        if self.watch_files:
            try:
                self._refresh()
            except Exception as exc:  # noqa: BLE001  (any failure is a refused edit)
                self._failed(exc)
        if self.published is not None:
            self._follow()

    def _follow(self) -> None:
        """Serve a version published since the one served, by this process or any other."""
        try:
            number = self.published.latest_number()
            if number is None or number == self.number or number == self._refused_number:
                self._database_down = False
                return
            latest = self.published.latest()
        except Exception as exc:  # noqa: BLE001  (the database is unreachable: the version served stays)
            if not self._database_down:
                log.warning("cannot look for published versions (%s); still serving version %s", exc, self.current.version)
            self._database_down = True
            return
        self._database_down = False
        try:
            hotline = self._from_published(latest)
        except Exception as exc:  # noqa: BLE001  (a version this process cannot serve is refused once, not every interval)
            self._refused_number = latest.number
            self._failed(exc)
            return
        self._serve(hotline, latest.number)

    def _serve(self, hotline: Hotline, number: int | None) -> None:
        changed = hotline.version != self.current.version
        self.current, self.number = hotline, number
        self.error = self.error_at = None
        if changed:
            self.since = dt.datetime.now(dt.timezone.utc)
            self._remember(hotline)
            log.info("now serving prompts and data version %s%s", hotline.version,
                     f" (published version {number})" if number else "")
            self._prune()

    def _files(self) -> list[tuple[str, Path]]:
        return file_names(self.prompts, self.data)

    def _fingerprint(self) -> tuple:
        # Sizes and modification times only: nothing is read while nothing changes.
        found = []
        for name, path in self._files():
            try:
                info = path.stat()
            except OSError:
                continue
            found.append((name, info.st_mtime_ns, info.st_size))
        return tuple(found)

    def _refresh(self) -> None:
        fingerprint = self._fingerprint()
        if fingerprint == self._seen:
            self._pending = None
            return
        if fingerprint != self._pending:
            # Operators save several files one after another; wait until they have been still for one interval.
            self._pending = fingerprint
            return
        self._seen, self._pending = fingerprint, None
        files = self._snapshot()
        if _version(files) == self.current.version:
            self.error = self.error_at = None
            return
        hotline = self._publish(files)
        # Published first, so that the version served and its number change together: nobody sees the new files
        # under the old number.
        self._serve(hotline, self._store(files, hotline))

    def _snapshot(self) -> dict[str, bytes]:
        files = {}
        for name, path in self._files():
            try:
                files[name] = path.read_bytes()
            except OSError as exc:
                raise HotlineError(f"{path}: cannot read the file ({exc.strerror})") from None
        return files

    # Versions on disk, so that every process can serve the version a call started on.

    def _publish(self, files: dict[str, bytes]) -> Hotline:
        """Validate the files as one version and keep a copy of them; raise HotlineError when they are not valid."""
        version = _version(files)
        folder = self.archive / version
        if folder.is_dir():
            # Checked again: a copy kept by an earlier release may predate a check, and must not skip it.
            return self._checked(version, folder)
        self.archive.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".new-", dir=self.archive))
        try:
            for name, content in files.items():
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                (work / name).write_bytes(content)
            hotline = self._checked(version, work)
            try:
                work.rename(folder)
            except OSError:
                # Another process published the same version first; theirs is identical.
                pass
            return hotline
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _load(self, version: str, folder: Path) -> Hotline:
        hotline = dataclasses.replace(load_hotline(folder / "prompts", folder / "data"), version=version)
        self._known[version] = hotline
        return hotline

    def _pinned(self, version: str) -> Hotline | None:
        if version in self._known:
            return self._known[version]
        folder = self.archive / version
        if len(version) != 16 or not version.isalnum():
            return None
        if not folder.is_dir():
            return self._pinned_published(version)
        try:
            return self._load(version, folder)
        except Exception:  # noqa: BLE001  (an archived version that fails is not served)
            return None

    def _pinned_published(self, version: str) -> Hotline | None:
        """A version a call started on in another replica, which keeps its own archive: read from the database."""
        if self.published is None:
            return None
        try:
            found = self.published.with_version(version)
            return self._from_published(found) if found is not None else None
        except Exception:  # noqa: BLE001  (the call goes on with the current version, as before published versions)
            return None

    def _prune(self) -> None:
        folders = sorted((f for f in self.archive.glob("*") if f.is_dir() and not f.name.startswith(".")),
                         key=lambda f: f.stat().st_mtime, reverse=True)
        for folder in folders[self.keep:]:
            if folder.name != self.current.version:
                shutil.rmtree(folder, ignore_errors=True)
                self._known.pop(folder.name, None)

    def _checked(self, version: str, work: Path) -> Hotline:
        """The copy in `work` loaded, after every check `ivr check --strict` makes; RefusedEdit on any problem.

        The copy is checked, not the operator's folders (which may change meanwhile), and told at the operator's files.
        """
        from ivr.content.checks import blocking, format_problem

        errors = blocking(work / "prompts", work / "data")
        if errors:
            raise RefusedEdit([self._at_own_files(format_problem(p), work) for p in errors])
        try:
            return self._load(version, work)
        except HotlineError as exc:
            raise RefusedEdit([self._at_own_files(str(exc), work)]) from None

    def _at_own_files(self, text: str, work: Path) -> str:
        for copy, own in ((work / "prompts", self.prompts), (work / "data", self.data)):
            for form in sorted({str(copy), str(copy.resolve()), _display(copy)}, key=len, reverse=True):
                text = text.replace(form, _display(own))
        return text

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, RefusedEdit):
            self.error = list(exc.problems)
        elif isinstance(exc, HotlineError):
            self.error = [str(exc)]
        else:
            # Not a mistake the checks describe (a file the reader could not cope with): still a refused edit.
            self.error = [f"{type(exc).__name__}: {exc}"[:2000]]
        self.error_at = dt.datetime.now(dt.timezone.utc)
        log.error("the edited prompts or data are not valid, still serving version %s:\n%s",
                  self.current.version, "\n".join(self.error))


def _watch(versions: weakref.ReferenceType, stopped: threading.Event, interval: float) -> None:
    while not stopped.wait(interval):
        current = versions()
        if current is None:
            return
        current.refresh()
        del current


def _display(path: Path) -> str:
    """A folder as the checks name it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _version(files: dict[str, bytes]) -> str:
    return digest(files)[:16]


def from_app(app, published: PublishedVersions | None = None) -> Versions:
    """The app's versions: the newest published every IVR_RELOAD_SECONDS (0 switches reloading off), and saves of
    IVR_PROMPTS and IVR_DATA published by themselves where IVR_PUBLISH_SAVES says so."""
    saves = app.config.get("IVR_PUBLISH_SAVES") or ("0" if app.config.get("IVR_ENV") == "production" else "1")
    return Versions(
        Path(app.config["IVR_PROMPTS"]),
        Path(app.config["IVR_DATA"]),
        Path(app.instance_path) / "versions",
        interval=float(app.config.get("IVR_RELOAD_SECONDS") or 0),
        published=published,
        publish_saves=saves == "1",
    )
