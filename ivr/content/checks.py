"""`ivr check`: every problem in prompts/ and data/, as file:line:column and plain sentences, errors apart from warnings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from ivr.content import menugraph
from ivr.content.accounts import check_accounts
from ivr.content.announced import check_announced
from ivr.content.lines import check_lines
from ivr.content.prompts import validate
from ivr.content.regions import check_regions
from ivr.content.speech import spoken_seconds
from ivr.content.yamlsource import Located, SourceError, catalogue
from ivr.core.regions import NATIONAL
from ivr.core.script import ScriptModel

VOICES = Path(__file__).resolve().parent / "voices.yaml"


@dataclass
class Report:
    problems: list[SourceError]

    @property
    def errors(self) -> list[SourceError]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[SourceError]:
        return [p for p in self.problems if p.warning]

    def ok(self, strict: bool = False) -> bool:
        return not (self.problems if strict else self.errors)


def check(prompts: Path, data: Path) -> Report:
    """Check the prompts folder and the data folder together, as the hotline and `ivr load-demo` would load them."""
    model, located, problems = validate(Path(prompts))
    if model is not None:
        told = {p.mark for p in problems}
        # A converted key already told as an error (04 read as 4) is not told again as a warning at the same place.
        problems += [p for p in script_warnings(model, located) if not (p.code == "yaml_converted" and p.mark in told)]
    return Report(problems + check_data(Path(data)))


def blocking(prompts: Path, data: Path) -> list[SourceError]:
    """What keeps files out of service: every problem `ivr check --strict` fails on, warnings included.

    Publishing, the watcher, a server's start and `ivr test` all ask this one question, so that nothing reaches
    callers that `ivr check --strict` would refuse (an unknown voice, a warning, is one Twilio would reject).
    """
    return check(prompts, data).problems


def check_data(data: Path) -> list[SourceError]:
    """Every problem in data/regions.yaml, lines.yaml and accounts.yaml."""
    book, problems = check_regions(data / "regions.yaml")
    # Region names are checked only when regions.yaml could be read, so that one mistake is not told three times.
    problems += check_lines(data / "lines.yaml", set(book.regions) if book else None)[1]
    # accounts.yaml holds demo and test accounts loaded into an empty database; a line serving real accounts from its
    # database need not ship it, and a version being published carries only what callers hear (regions and lines).
    if (data / "accounts.yaml").exists():
        problems += check_accounts(data / "accounts.yaml", set(book.regions) | {NATIONAL} if book else None)[1]
    return problems


def script_warnings(model: ScriptModel, located: Located) -> list[SourceError]:
    """What a valid script may still get wrong: the tree's shape, the keys its menus announce, the voice and how long
    prompts take."""
    problems = []
    reached = menugraph.reachable(model)
    for name in model.nodes:
        if name not in reached:
            problems.append(SourceError(located.key_mark(("nodes", name)), "unreachable", warning=True, node=name))
    for name in menugraph.say_loops(model):
        problems.append(SourceError(located.mark(("nodes", name)), "say_loop", where=f"nodes.{name}"))
    problems += _ways_back(model, located)
    problems += check_announced(model, located)
    problems += _voice(model, located)
    problems += _lengths(model, located)
    reported = {p.mark for p in problems}
    for path, conversion in located.conversions.items():
        if conversion.mark not in reported:
            problems.append(SourceError(conversion.mark, "yaml_converted", warning=True, where=".".join(map(str, path)),
                                        text=conversion.text, value=conversion.value))
    return problems


def _ways_back(model: ScriptModel, located: Located) -> list[SourceError]:
    main_key = model.settings.keys.main
    problems = []
    for name, node in model.nodes.items():
        # The registered caller's question leads on whichever key is pressed, and is asked once a call; the call
        # ends after the rating, so there is nothing to go back to.
        if name in (model.settings.start, model.settings.confirm, model.settings.rating) or not menugraph.is_menu(node):
            continue
        said = "".join(getattr(node, field, None) or "" for field in ("greeting", "prompt", "short", "after"))
        targets = {getattr(t, "go", t) for t in node.options.values()}
        if main_key not in said and not targets & {"main", model.settings.start}:
            problems.append(SourceError(located.mark(("nodes", name)), "no_way_back", warning=True,
                                        where=f"nodes.{name}", key=main_key))
    return problems


@cache
def _voices() -> dict:
    return yaml.safe_load(VOICES.read_text(encoding="utf-8"))


def voice_languages(voice: str) -> list[str] | None:
    """The languages a Twilio voice speaks, or None when the voice is unknown."""
    if voice.startswith("Google."):
        parts = voice.split(".", 1)[1].split("-")
        return ["-".join(parts[:2])] if len(parts) >= 4 else None
    return _voices()["voices"].get(voice)


def _voice(model: ScriptModel, located: Located) -> list[SourceError]:
    settings = model.settings
    examples = _voices()["examples"]
    known = {lang for langs in _voices()["voices"].values() for lang in langs} | set(examples)
    example = examples.get(settings.language, "Polly.Zhiyu")
    if settings.language not in known:
        return [SourceError(located.mark(("settings", "language")), "unknown_language", language=settings.language)]
    speaks = voice_languages(settings.voice)
    mark = located.mark(("settings", "voice"))
    if speaks is None:
        return [SourceError(mark, "unknown_voice", warning=True, voice=settings.voice, language=settings.language, example=example)]
    if settings.language not in speaks:
        return [SourceError(mark, "voice_language", voice=settings.voice, language=settings.language,
                            expected=", ".join(speaks), example=example)]
    return []


def _lengths(model: ScriptModel, located: Located) -> list[SourceError]:
    speech = model.settings.speech
    problems = []
    for path, text in _templates(model):
        if path[0] == "nodes" and path[-1] == "prompt":
            # A menu's first hearing is its greeting and its prompt together.
            text = (getattr(model.nodes[path[1]], "greeting", None) or "") + text
        # One pace for every estimate: the one `ivr effort` measures the callers' paths at.
        seconds = spoken_seconds(text, model.settings.effort.chars_per_second)
        if seconds > speech.budget_seconds:
            problems.append(SourceError(located.mark(path), "too_long", warning=True, where=".".join(map(str, path)),
                                        seconds=round(seconds), budget=speech.budget_seconds))
    return problems


def _templates(value, path: tuple = ()):
    """Every sentence in the script with its path; the reading lexicon holds words, not sentences."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if path == () and name in ("reading", "settings"):
                continue
            yield from _templates(getattr(value, name), path + (name,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _templates(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _templates(item, path + (index,))
    elif isinstance(value, str) and not {"options", "collect"} & set(path) and path[-1] not in ("type", "answer", "next", "requires"):
        yield path, value


def format_problem(problem: SourceError) -> str:
    """One problem as the operator reads it: where, how bad, then the Chinese and English sentences."""
    words = catalogue()["_warning" if problem.warning else "_error"]
    where = f"{problem.mark}: " if problem.mark else ""
    return f"{where}{words['en']}/{words['zh']}: {problem.zh}\n    {problem.message}"


def summary(report: Report) -> str:
    counts = {"errors": len(report.errors), "warnings": len(report.warnings)}
    words = catalogue()["_summary"]
    return f"{words['zh'].format_map(counts)} / {words['en'].format_map(counts)}"


def folders(path: str | None) -> tuple[Path, Path]:
    """The prompts and data folders: PATH/prompts and PATH/data, or the configured ones without PATH."""
    if path:
        return Path(path) / "prompts", Path(path) / "data"
    from ivr.config import from_environment

    config = from_environment()
    return Path(config["IVR_PROMPTS"]), Path(config["IVR_DATA"])


def run(path: str | None, strict: bool, echo, more: Callable[[Path, Path], list[SourceError]] | None = None) -> int:
    """Print every problem and the summary; the exit status is 1 when the check fails.

    `more` adds the problems of outer layers (the callers' paths, measured by ivr.tools.effort) to files that have
    no error of their own."""
    prompts, data = folders(path)
    report = check(prompts, data)
    if more is not None and not report.errors:
        report.problems += more(prompts, data)
    for problem in report.problems:
        echo(format_problem(problem))
    echo(summary(report))
    return 0 if report.ok(strict) else 1
