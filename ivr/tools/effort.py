"""`ivr effort`: how long a caller hears and keys on each main path, for the current prompts and data.

The paths and their budgets are the operators' (`effort` in prompts/settings.yaml). Each path is a call on the real
engine, with the demo accounts of data/accounts.yaml in a throwaway SQLite database, at a weekday 10:00 (inside every
line's agent hours). What the caller hears is estimated from the sentences actually said, at `effort.chars_per_second`
(ivr.content.speech); each key pressed costs `effort.key_seconds`.

A first-time caller hears each prompt whole before keying. A caller who keys ahead (`type_ahead: true`) presses
as soon as a prompt starts and hears none of it, since every sentence is said inside the Gather that takes the keys;
both hear the answer itself. A path's time ends with the answer's facts (`Reply.answer`), or with the sentence said
before the call goes to an agent. The notes said between the facts and the options are measured apart, against
`budgets.options`; the first thing every call hears, the greeting and the main menu, against `budgets.main_menu`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ivr.content.accounts import load_accounts
from ivr.content.speech import spoken_seconds
from ivr.content.version import load_hotline
from ivr.content.yamlsource import Located, SourceError, catalogue
from ivr.core.engine import Engine
from ivr.core.events import Keys, Silence
from ivr.core.hotline import Hotline
from ivr.core.replies import Dial, Enqueue, Gather, Hangup, Reply
from ivr.core.script import Effort, EffortPath
from ivr.storage.passwords import Passwords
from ivr.storage.store import Store
from ivr.tools.scenarios import DEFAULT_AT

# The keys a caller presses, each counted once: digits, * (for the X of an ID number) and # (the end of an entry).
PHONE_KEYS = frozenset("0123456789*#")


@dataclass
class PathEffort:
    """One path as measured: seconds of speech heard, keys pressed, and how the call got on."""

    name: str
    budget: float
    type_ahead: bool
    key_pace: float = field(repr=False)
    speech: float = 0.0
    keys: int = 0
    # The greeting and the main menu: the first reply of the call.
    main_menu: float = 0.0
    # "answer" or "agent" when the path got there; None when it did not.
    reached: str | None = None
    # The node the call was at when the path's keys were all pressed (or when the call ended).
    node: str = ""
    # Seconds between the end of the answer's facts and its options; None without an answer.
    options: float | None = None
    # How the call ended without an answer ("hangup", or "agent" before the keys were all pressed), and how many of
    # the path's entries (its list of keys) were pressed by then.
    ended: str | None = None
    pressed: int = 0
    entries: int = 0

    @property
    def key_seconds(self) -> float:
        return self.keys * self.key_pace

    @property
    def total(self) -> float:
        return self.speech + self.key_seconds

    @property
    def ok(self) -> bool:
        return self.reached is not None and self.total <= self.budget

    def to_dict(self) -> dict:
        figures = asdict(self)
        figures.pop("key_pace")
        figures.update(key_seconds=round(self.key_seconds, 2), total=round(self.total, 2), ok=self.ok)
        for name in ("speech", "main_menu", "options"):
            if figures[name] is not None:
                figures[name] = round(figures[name], 2)
        return figures


@dataclass
class EffortReport:
    """Every path of the settings, measured, and the budgets they are held to."""

    settings: Effort
    paths: list[PathEffort]
    main_menu: float

    @property
    def main_menu_ok(self) -> bool:
        return self.main_menu <= self.settings.budgets.main_menu

    def options_ok(self, path: PathEffort) -> bool:
        return path.options is None or path.options <= self.settings.budgets.options

    @property
    def ok(self) -> bool:
        return self.main_menu_ok and all(path.ok and self.options_ok(path) for path in self.paths)

    def to_dict(self) -> dict:
        budgets = self.settings.budgets
        return {
            "chars_per_second": self.settings.chars_per_second,
            "key_seconds": self.settings.key_seconds,
            "main_menu": {"seconds": round(self.main_menu, 2), "budget": budgets.main_menu, "ok": self.main_menu_ok},
            "options_budget": budgets.options,
            "paths": [dict(path.to_dict(), options_ok=self.options_ok(path)) for path in self.paths],
            "ok": self.ok,
        }


def measure(prompts: Path, data: Path) -> EffortReport:
    """Walk every path of prompts/settings.yaml through the hotline; HotlineError when the files cannot be served."""
    hotline = load_hotline(prompts, data)
    effort = hotline.script.settings.effort
    now = _weekday_morning(hotline)
    with _demo_database(Path(data) / "accounts.yaml") as fresh_store:
        paths = []
        for path in effort.paths:
            store = fresh_store()
            paths.append(walk(Engine(hotline, store, caller=path.from_), path, now, effort))
            store.close()
        if paths:
            main_menu = max(path.main_menu for path in paths)
        else:
            # Without paths, the main menu is measured on the line callers reach when the number called is unknown;
            # the welcome reads no account, so no database is needed.
            main_menu = _heard(Engine(hotline, backend=None).start("", now)[1].says, effort)
    return EffortReport(effort, paths, main_menu)


def walk(engine: Engine, path: EffortPath, now: dt.datetime, effort: Effort) -> PathEffort:
    """Call, press the path's keys one prompt at a time, and add up what the caller heard and keyed."""
    state, reply = engine.start(path.call, now)
    result = PathEffort(path.name, path.budget, path.type_ahead, effort.key_seconds,
                        main_menu=_heard(reply.says, effort), entries=len(path.keys))
    for pressed in path.keys:
        if not isinstance(reply.then, Gather):
            result.ended, result.node = _ending(reply), reply.node
            return result
        if not path.type_ahead:
            result.speech += _heard(reply.says, effort)
        result.keys += sum(1 for key in pressed if key in PHONE_KEYS)
        result.pressed += 1
        reply = engine.step(state, _gathered(pressed, reply.then), now)
    _arrive(result, reply, effort, path)
    return result


def _arrive(result: PathEffort, reply: Reply, effort: Effort, path: EffortPath) -> None:
    """The reply to the last keys: the answer's facts or the words before the agent (dialled or queued for) end the
    path; else it is unreached."""
    result.node = reply.node
    if reply.answer is not None:
        start, end = reply.answer
        result.reached = "answer"
        heard_until = min(start + 1, end) if path.until == "first_fact" else end
        result.speech += _heard(reply.says[:heard_until], effort)
        # The last sentence of an answer is its options; what stands between the facts and it is the notes.
        result.options = _heard(reply.says[end:-1], effort)
    elif isinstance(reply.then, (Dial, Enqueue)):
        result.reached = "agent"
        result.speech += _heard(reply.says, effort)
    elif isinstance(reply.then, Hangup):
        result.ended = "hangup"


def _gathered(pressed: str, gather: Gather):
    """What Twilio sends for these keys: up to the key that ends the Gather, which is not sent, or numDigits."""
    digits = ""
    for key in pressed:
        if gather.finish_on_key and key in gather.finish_on_key:
            break
        digits += key
        if gather.num_digits and len(digits) >= gather.num_digits:
            break
    # A lone finishing key is no input at all, as a silence is.
    return Keys(digits) if digits else Silence()


def _ending(reply: Reply) -> str:
    return "agent" if isinstance(reply.then, (Dial, Enqueue)) else "hangup"


def _heard(says, effort: Effort) -> float:
    return sum(spoken_seconds(sentence, effort.chars_per_second) for sentence in says)


def _weekday_morning(hotline: Hotline) -> dt.datetime:
    """The scenarios' moment, a weekday at 10:00 local time, when every line's agents answer."""
    return dt.datetime.fromisoformat(DEFAULT_AT).replace(tzinfo=hotline.lines.timezone)


@contextmanager
def _demo_database(accounts: Path) -> Iterator[Callable[[], Store]]:
    """A maker of stores, each a fresh copy of one SQLite database holding the demo accounts (none without the file).

    Each path gets its own copy, so that wrong passwords keyed on one path never lock an ID for another."""
    with tempfile.TemporaryDirectory(prefix="ivr-effort-") as folder:
        passwords = Passwords(secrets.token_hex(32))
        original = Path(folder) / "demo.sqlite"
        store = Store(f"sqlite:///{original}", passwords=passwords)
        store.create_schema()
        if accounts.exists():
            store.load_accounts(load_accounts(accounts, passwords))
        store.close()
        copies = itertools.count()

        def fresh() -> Store:
            copy = Path(folder) / f"path-{next(copies)}.sqlite"
            shutil.copyfile(original, copy)
            return Store(f"sqlite:///{copy}", passwords=passwords)

        yield fresh


# What `ivr check` and the table say about a path that falls short.


def path_problems(report: EffortReport, located: Located | None = None) -> list[SourceError]:
    """Every budget not met, as warnings at the path's place in prompts/settings.yaml (no place without `located`)."""
    budgets = report.settings.budgets
    problems = []
    for index, path in enumerate(report.paths):
        mark = located.mark(("settings", "effort", "paths", index)) if located else None
        problem = shortfall(path, mark)
        if problem is not None:
            problems.append(problem)
        if not report.options_ok(path):
            problems.append(SourceError(mark, "effort_options", warning=True, path=path.name,
                                        seconds=_one(path.options), budget=f"{budgets.options:g}"))
    return problems


def menu_problem(report: EffortReport, located: Located | None = None, start: str = "main") -> SourceError | None:
    """The main menu over its budget, as a warning at the main menu's prompt."""
    if report.main_menu_ok:
        return None
    mark = located.mark(("nodes", start, "prompt")) if located else None
    return SourceError(mark, "effort_main_menu", warning=True, where=f"nodes.{start}", seconds=_one(report.main_menu),
                       budget=f"{report.settings.budgets.main_menu:g}")


def shortfall(path: PathEffort, mark=None) -> SourceError | None:
    """Why a path misses its budget: it does not reach an answer, or it takes too long; None when it is met."""
    if path.reached is None and path.ended:
        return SourceError(mark, "effort_call_ended", warning=True, path=path.name, node=path.node,
                           ended=path.ended, pressed=path.pressed, entries=path.entries)
    if path.reached is None:
        return SourceError(mark, "effort_keys_ran_out", warning=True, path=path.name, node=path.node)
    if not path.ok:
        return SourceError(mark, "effort_path_over", warning=True, path=path.name, seconds=_one(path.total),
                           speech=_one(path.speech), keys=path.keys, key_time=_one(path.key_seconds),
                           budget=f"{path.budget:g}")
    return None


def _one(seconds: float) -> str:
    return f"{seconds:.1f}"


def check_warnings(prompts: Path, data: Path) -> list[SourceError]:
    """What `ivr check` adds for valid prompts and data: a warning for every budget of settings.effort not met.

    The paths are measured with the demo accounts, so a data folder without accounts.yaml is not measured."""
    from ivr.content.prompts import validate

    if not (Path(data) / "accounts.yaml").exists():
        return []
    model, located, _ = validate(Path(prompts))
    report = measure(prompts, data)
    menu = menu_problem(report, located, model.settings.start)
    return ([menu] if menu else []) + path_problems(report, located)


# The table `ivr effort` prints.

COLUMNS = ("path", "speech s", "keys", "key s", "total s", "budget s", "options s")


def render(report: EffortReport) -> list[str]:
    """The report as lines of text: one row per path, then the main menu, the longest wait for options, a summary.

    A row's `options s` is the time from the answer's facts to its options; its verdict is on its own line."""""
    words = catalogue()
    effort = report.settings
    width = max([len(COLUMNS[0])] + [len(path.name) for path in report.paths])
    lines = [_both(words, "_effort_pace", chars=f"{effort.chars_per_second:g}", key=f"{effort.key_seconds:g}"),
             "  ".join([COLUMNS[0].ljust(width)] + [column.rjust(8) for column in COLUMNS[1:]])]
    for path in report.paths:
        lines.append(_row(path, width, words))
        problem = shortfall(path)
        if problem is not None and path.reached is None:
            lines.append(f"    {problem.zh}\n    {problem.message}")
    menu = _both(words, "_effort_main_menu", seconds=_one(report.main_menu), budget=f"{effort.budgets.main_menu:g}")
    lines.append(_verdict(menu, report.main_menu_ok, words))
    answered = [path for path in report.paths if path.options is not None]
    if answered:
        longest = max(answered, key=lambda path: path.options)
        options = _both(words, "_effort_options", seconds=_one(longest.options), path=longest.name,
                        budget=f"{effort.budgets.options:g}")
        lines.append(_verdict(options, report.options_ok(longest), words))
    lines.append(_both(words, "_effort_summary", paths=len(report.paths), met=sum(1 for path in report.paths if path.ok)))
    return lines


def _both(words: dict, code: str, **values) -> str:
    return f"{words[code]['zh'].format_map(values)} / {words[code]['en'].format_map(values)}"


def _row(path: PathEffort, width: int, words: dict) -> str:
    figures = [_one(path.speech), str(path.keys), _one(path.key_seconds), _one(path.total), f"{path.budget:g}",
               "-" if path.options is None else _one(path.options)]
    status = "_effort_ok" if path.ok else "_effort_over" if path.reached else "_effort_unreached"
    return "  ".join([path.name.ljust(width)] + [figure.rjust(8) for figure in figures]) + "  " + _label(status, words)


def _verdict(text: str, ok: bool, words: dict) -> str:
    return f"{text}: {_label('_effort_ok' if ok else '_effort_over', words)}"


def _label(code: str, words: dict) -> str:
    return f"{words[code]['en']}/{words[code]['zh']}"
