"""YAML files read with the line and column of every value, so errors can name file:line:column."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).resolve().parent / "checkmessages.yaml"


@dataclass(frozen=True)
class Mark:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@cache
def catalogue() -> dict:
    """The bilingual sentences of every problem an operator can be told about, by code."""
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


class SourceError(Exception):
    """A problem in an operator's file, told as file:line:column and a plain sentence in Chinese and English."""

    def __init__(self, mark: Mark | None, code: str, /, *, warning: bool = False, **params):
        self.mark = mark
        self.code = code
        self.params = params
        self.warning = warning
        super().__init__(f"{mark}: {self.message}" if mark else self.message)

    def text(self, language: str) -> str:
        entry = catalogue()[self.code]
        sentence = entry[language].format_map(self.params)
        if self.params.get("suggest"):
            sentence += catalogue()["did_you_mean"][language].format_map(self.params)
        return sentence

    @property
    def message(self) -> str:
        return self.text("en")

    @property
    def zh(self) -> str:
        return self.text("zh")

    def __reduce__(self):
        # Keeps errors picklable (multiprocessing, logging handlers) despite the keyword-only parameters.
        return (_rebuild, (self.mark, self.code, self.warning, self.params))


def _rebuild(mark, code, warning, params) -> SourceError:
    return SourceError(mark, code, warning=warning, **params)


@dataclass(frozen=True)
class Conversion:
    """An unquoted YAML value whose meaning differs from what was typed (`no` read as false, `01` as 1)."""

    text: str
    value: object
    mark: Mark


class Located:
    """Parsed YAML data plus a map from each value's path to where it stands in the file."""

    def __init__(self, data, marks: dict[tuple, Mark], key_marks: dict[tuple, Mark], conversions: dict[tuple, Conversion] | None = None):
        self.data = data
        self.marks = marks
        self.key_marks = key_marks
        # Keyed by the path of the value, or by the path of the key for a converted key.
        self.conversions = conversions if conversions is not None else {}

    def mark(self, path: tuple) -> Mark | None:
        """The mark of the value at path, or of its nearest parent that has one."""
        path = self._as_typed(tuple(path))
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get(())

    def key_mark(self, path: tuple) -> Mark | None:
        """The mark of the key that names path, falling back to its value."""
        path = self._as_typed(tuple(path))
        return self.key_marks.get(path) or self.mark(path)

    def _as_typed(self, path: tuple) -> tuple:
        """The path as the file holds it: the models name an option "4" that YAML read from an unquoted 04 as 4.

        Without this the mark of such a key would fall back to its parent's, lines away from what the operator typed.
        """
        if not path or path in self.marks or not isinstance(path[-1], str):
            return path
        parent = self._as_typed(path[:-1])
        for key in (path[-1], *(p[-1] for p in self.key_marks if p[:-1] == parent and str(p[-1]) == path[-1])):
            if parent + (key,) in self.marks:
                return parent + (key,)
        return parent + path[-1:]


# Limits on what one operator's file may cost to read. The largest shipped file is about 30 kB; a file beyond
# these is a mistake or an attack ("billion laughs": nine lines of aliases that expand to a billion values).
MAX_BYTES = 1_000_000
MAX_ALIAS_VALUES = 2_000
MAX_DEPTH = 50
_OPENING_RUN = re.compile(r"(?:[\[{]\s*){%d}" % (MAX_DEPTH + 1))


class _TooDeep(Exception):
    def __init__(self, mark):
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """SafeLoader that stops at MAX_DEPTH levels of nesting (duplicate keys are refused while building)."""

    _depth = 0

    def compose_node(self, parent, index):
        # PyYAML composes nested values recursively; thousands of brackets would take seconds to hit Python's
        # recursion limit, so the depth is capped here, at the value that goes too deep.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _TrueFalseLoader(_Loader):
    """Reads only true/false as booleans: YAML 1.1 would turn a word like `on`, `no` or `yes` into one."""


_TrueFalseLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_TrueFalseLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


# PyYAML's pure-Python composer is most of what reading a file costs (about 0.2 s for prompts/ and data/), and the
# same unchanged files are read again by every check, reload and start. The composed nodes are only ever read, never
# changed, so one tree can serve every reading of the same text; files of an ordinary size only, to bound the memory.
CACHED_CHARACTERS = 200_000


def _compose(text: str, true_false_only: bool):
    return yaml.compose(text, Loader=_TrueFalseLoader if true_false_only else _Loader)


_composed = lru_cache(maxsize=32)(_compose)


def _mark(node, file: str) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


def display_name(path: Path) -> str:
    """The path as the operator typed it: relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read(path: Path, display: str | None = None, true_false_only: bool = False) -> Located:
    """Read one YAML file; raise SourceError for anything that keeps it from being read, at its line and column.

    true_false_only reads only true/false as booleans, so that words such as `on` stay words (the data files).
    """
    file = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SourceError(Mark(file, 1, 1), "too_big", size=size, limit=MAX_BYTES)
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(Mark(file, 1, 1), "unreadable", reason=exc.strerror or str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(_byte_mark(raw, exc.start, file), "not_utf8", reason=exc.reason) from None
    return parse(text, file, true_false_only)


def _byte_mark(raw: bytes, offset: int, file: str) -> Mark:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return Mark(file, raw.count(b"\n", 0, offset) + 1, offset - line_start + 1)


def _text_mark(text: str, offset: int, file: str) -> Mark:
    line_start = text.rfind("\n", 0, offset) + 1
    return Mark(file, text.count("\n", 0, offset) + 1, offset - line_start + 1)


def parse(text: str, file: str, true_false_only: bool = False) -> Located:
    """Parse YAML text that came from file."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise SourceError(Mark(file, 1, 1), "too_big", size=len(text.encode("utf-8")), limit=MAX_BYTES)
    brackets = _OPENING_RUN.search(text)
    if brackets:
        # PyYAML's scanner looks far ahead inside brackets, which costs about a second for a line of them.
        raise SourceError(_text_mark(text, brackets.start() + MAX_DEPTH, file), "too_deep", limit=MAX_DEPTH)
    try:
        root = _composed(text, true_false_only) if len(text) <= CACHED_CHARACTERS else _compose(text, true_false_only)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file, text) from None
    except yaml.reader.ReaderError as exc:
        raise SourceError(_text_mark(text, exc.position, file), "yaml_character", character=f"#x{exc.character:04x}"
                          if isinstance(exc.character, int) else repr(exc.character)) from None
    except yaml.YAMLError as exc:
        raise SourceError(Mark(file, 1, 1), "yaml_syntax", problem=str(exc)) from None
    except _TooDeep as exc:
        raise SourceError(Mark(file, exc.mark.line + 1, exc.mark.column + 1), "too_deep", limit=MAX_DEPTH) from None
    if root is None:
        return Located({}, {(): Mark(file, 1, 1)}, {}, {})
    builder = _Builder(file)
    data = builder.build(root, ())
    return Located(data, builder.marks, builder.key_marks, builder.conversions)


def _error_mark(exc: yaml.MarkedYAMLError):
    mark = exc.problem_mark or exc.context_mark
    opened = exc.context and ("flow" in exc.context or "quoted" in exc.context)
    if opened and exc.context_mark and exc.problem_mark and exc.context_mark.line < exc.problem_mark.line:
        # An unclosed bracket or quote is noticed lines later; the mistake is where it was opened.
        mark = exc.context_mark
    return mark


def _syntax_error(exc: yaml.MarkedYAMLError, file: str, text: str) -> SourceError:
    mark = _error_mark(exc)
    where = Mark(file, mark.line + 1, mark.column + 1) if mark else Mark(file, 1, 1)
    problem = exc.problem or exc.context or "invalid YAML"
    lines = text.split("\n")
    tab = _tab_before(lines, exc.problem_mark)
    if tab is not None:
        # PyYAML names a tab in its own words, or not at all ("mapping values are not allowed here").
        return SourceError(Mark(file, *tab), "tab_indent")
    if "'\\t'" in problem:
        return SourceError(where, "tab_indent")
    if exc.context and "quoted" in exc.context:
        return SourceError(where, "unclosed_quote")
    unclosed = _unclosed_quote(lines, mark.line if mark else 0)
    if unclosed is not None:
        # The quote left open took everything up to the next quote mark as its text, often lines later, and YAML
        # stumbled only over what came after that; the mistake is the line where the quote opened.
        return SourceError(Mark(file, *unclosed), "unclosed_quote")
    return SourceError(where, "yaml_syntax", problem=problem)


# How far above the line YAML stumbled on to look for a quote left open.
QUOTE_LOOKBACK = 50


def _tab_before(lines: list[str], mark) -> tuple[int, int] | None:
    """(line, column) of a tab in the indentation of the line YAML stumbled on, which is then the mistake."""
    if mark is None or mark.line >= len(lines):
        return None
    line = lines[mark.line]
    indentation = line[:len(line) - len(line.lstrip(" \t-"))]
    return (mark.line + 1, indentation.index("\t") + 1) if "\t" in indentation else None


def _unclosed_quote(lines: list[str], line: int) -> tuple[int, int] | None:
    """(line, column) of the nearest quote at or above `line` that its own line never closes."""
    for number in range(min(line, len(lines) - 1), max(line - QUOTE_LOOKBACK, 0) - 1, -1):
        body = lines[number]
        if '"' not in body and "'" not in body:
            continue
        stripped = body.lstrip()
        try:
            for _ in yaml.parse(stripped, Loader=yaml.SafeLoader):
                pass
        except yaml.MarkedYAMLError as exc:
            if exc.context and "quoted" in exc.context and exc.context_mark is not None:
                return number + 1, len(body) - len(stripped) + exc.context_mark.column + 1
        except yaml.YAMLError:
            continue
    return None


class _Builder:
    """Turns composed YAML nodes into plain data, noting where each value stands and refusing runaway aliases.

    An alias is the same node met again; it is built again each time, so the values reached through aliases are
    counted and capped, and an alias inside its own anchor (a loop) is refused instead of recursing for ever.
    """

    def __init__(self, file: str):
        self.file = file
        self.marks: dict[tuple, Mark] = {}
        self.key_marks: dict[tuple, Mark] = {}
        self.conversions: dict[tuple, Conversion] = {}
        self._built: set[int] = set()
        self._open: set[int] = set()
        self._aliased = 0

    def build(self, node, path: tuple, aliased: bool = False):
        mark = _mark(node, self.file)
        self._guard(node, path, mark, aliased or id(node) in self._built)
        aliased = aliased or id(node) in self._built
        self._built.add(id(node))
        self.marks[path] = mark
        if isinstance(node, yaml.ScalarNode):
            value = _scalar(node, self.file)
            self._note_conversion(node, value, path)
            return value
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, aliased)
            return [self.build(item, path + (index,), aliased) for index, item in enumerate(node.value)]
        finally:
            self._open.discard(id(node))

    def _guard(self, node, path: tuple, mark: Mark, aliased: bool) -> None:
        if id(node) in self._open:
            raise SourceError(mark, "alias_loop")
        if len(path) > MAX_DEPTH:
            raise SourceError(mark, "too_deep", limit=MAX_DEPTH)
        if aliased:
            self._aliased += 1
            if self._aliased > MAX_ALIAS_VALUES:
                raise SourceError(mark, "too_many_aliases", limit=MAX_ALIAS_VALUES)

    def _mapping(self, node, path: tuple, aliased: bool) -> dict:
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError(_mark(key_node, self.file), "key_not_scalar")
            key = _scalar(key_node, self.file)
            if key in result:
                raise SourceError(_mark(key_node, self.file), "duplicate_key", key=key)
            self.key_marks[path + (key,)] = _mark(key_node, self.file)
            self._note_conversion(key_node, key, path + (key,))
            result[key] = self.build(value_node, path + (key,), aliased)
        return result

    def _note_conversion(self, node, value, path: tuple) -> None:
        # Only plain (unquoted) scalars are typed by YAML; true/false and numbers written as read are not surprises.
        if node.style is not None or isinstance(value, str) or value is None:
            return
        if isinstance(value, bool):
            lossy = node.value.lower() not in ("true", "false")
        else:
            lossy = str(value) != node.value
        if lossy:
            self.conversions[path] = Conversion(node.value, value, _mark(node, self.file))


_constructor = yaml.constructor.SafeConstructor()


def _scalar(node, file: str):
    # Constructing one scalar at a time keeps YAML's own typing (ints, booleans) so that the
    # validators can tell an operator that `no` became false or `01` became 1.
    try:
        return _constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise SourceError(_mark(node, file), "yaml_value", problem=exc.problem or "invalid value") from None
    except (ValueError, OverflowError) as exc:
        # A timestamp such as 2026-02-30 matches YAML's pattern but is no date.
        raise SourceError(_mark(node, file), "yaml_value", problem=str(exc)) from None
    finally:
        _constructor.constructed_objects.clear()
