"""`ivr publish` and `ivr rollback`: the operators' files checked and tested, then stored as the next version.

Nothing is stored unless every check `ivr check --strict` makes passes and every scenario of `ivr test` passes on
the very files being published; serving processes then take the new version up by themselves (ivr.content.versions).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from ivr.content.checks import blocking, format_problem
from ivr.content.publishing import (
    PublishedVersions,
    as_bytes,
    as_text,
    digest,
    read_files,
    write_out,
)
from ivr.content.yamlsource import catalogue
from ivr.tools.scenarios import report, run_all


def say(code: str, **values) -> str:
    words = catalogue()[code]
    return f"{words['zh'].format_map(values)} / {words['en'].format_map(values)}"


def passes(prompts: Path, data: Path, scenarios: Path | None, echo, rename=lambda line: line) -> bool:
    """Check the files as `ivr check --strict` does, then run the scenarios on them; print what fails."""
    problems = blocking(prompts, data)
    for problem in problems:
        echo(rename(format_problem(problem)))
    if problems:
        return False
    if not _has_scenarios(scenarios):
        return True
    return report(run_all(prompts, data, scenarios), echo) == 0


def _has_scenarios(path: Path | None) -> bool:
    return path is not None and (path.is_file() or (path.is_dir() and any(path.glob("*.yaml"))))


def publish(versions: PublishedVersions, prompts: Path, data: Path, scenarios: Path | None, author: str,
            message: str, echo, now: dt.datetime | None = None, via: str = "command") -> int:
    """Publish the files on disk as the next version; the exit status (0 published or unchanged, 1 refused)."""
    files = read_files(prompts, data)
    if not passes(prompts, data, scenarios, echo):
        echo(say("publish_refused"))
        return 1
    if read_files(prompts, data) != files:
        # What was checked is what is stored, or nothing is.
        echo(say("publish_moved"))
        return 1
    return _store(versions, files, author, message, echo, now, via=via)


def written_out(files: dict[str, bytes], folder: Path, accounts: Path | None) -> tuple[Path, Path]:
    """A version's files under folder, with the demo accounts scenarios call with (a version does not carry them)."""
    prompts, data = write_out(files, folder)
    if accounts is not None and accounts.exists():
        shutil.copyfile(accounts, data / "accounts.yaml")
    return prompts, data


def rollback(versions: PublishedVersions, number: int, scenarios: Path | None, accounts: Path | None, author: str,
             message: str | None, echo, now: dt.datetime | None = None, via: str = "command") -> int:
    """Publish version `number` again as the next version, after the checks and scenarios of today."""
    earlier = versions.get(number)
    if earlier is None:
        echo(say("no_such_version", number=number))
        return 2
    files = as_bytes(earlier.files)
    with tempfile.TemporaryDirectory(prefix="ivr-version-") as folder:
        prompts, data = written_out(files, Path(folder), accounts)
        # The copy's problems are told at the version's own file names (prompts/menus.yaml:12:5).
        if not passes(prompts, data, scenarios, echo, rename=lambda line: line.replace(f"{folder}/", "")):
            echo(say("publish_refused"))
            return 1
    words = catalogue()["rollback_message"]
    default = f"{words['zh'].format(number=number)} / {words['en'].format(number=number)}"
    return _store(versions, files, author, message or default, echo, now, source=number, via=via)


def _store(versions: PublishedVersions, files: dict[str, bytes], author: str, message: str, echo,
           now: dt.datetime | None, source: int | None = None, via: str = "command") -> int:
    latest = versions.latest()
    hashed = digest(files)
    if latest is not None and latest.digest == hashed:
        echo(say("publish_unchanged", number=latest.number))
        return 0
    stored = versions.add(as_text(files), hashed, author, message, now or dt.datetime.now(dt.timezone.utc),
                          source=source, via=via)
    echo(say("published", number=stored.number, version=stored.version))
    return 0


def listing(versions: PublishedVersions) -> list[str]:
    """One line per version, newest first; the newest is the one serving processes run."""
    found = versions.listing()
    lines = []
    for index, version in enumerate(reversed(found)):
        serving = "  *" if index == 0 else ""
        at = version.at.isoformat(timespec="seconds").replace("+00:00", "Z")
        lines.append(f"{version.number:>4}  {at}  {version.version}  {version.author}: {version.message}{serving}")
    return lines
