"""YAML files read with the line and column of every value, so errors can name file:line:column."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
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
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get(())

    def key_mark(self, path: tuple) -> Mark | None:
        """The mark of the key that names path, falling back to its value."""
        return self.key_marks.get(tuple(path)) or self.mark(path)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, which PyYAML would otherwise let the last one win."""


def _mark(node, file: str) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


def read(path: Path, display: str | None = None) -> Located:
    """Read one YAML file; raise SourceError for syntax errors and duplicate keys."""
    file = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(Mark(file, 1, 1), "not_utf8", reason=exc.reason) from None
    except OSError as exc:
        raise SourceError(Mark(file, 1, 1), "unreadable", reason=exc.strerror or str(exc)) from None
    return parse(text, file)


def parse(text: str, file: str) -> Located:
    """Parse YAML text that came from file."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        opened = exc.context and ("flow" in exc.context or "quoted" in exc.context)
        if opened and exc.context_mark and exc.problem_mark and exc.context_mark.line < exc.problem_mark.line:
            # An unclosed bracket or quote is noticed lines later; the mistake is where it was opened.
            mark = exc.context_mark
        where = Mark(file, mark.line + 1, mark.column + 1) if mark else Mark(file, 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise SourceError(where, "yaml_syntax", problem=problem) from None
    except yaml.YAMLError as exc:
        raise SourceError(Mark(file, 1, 1), "yaml_syntax", problem=str(exc)) from None
    marks: dict[tuple, Mark] = {}
    key_marks: dict[tuple, Mark] = {}
    conversions: dict[tuple, Conversion] = {}
    if root is None:
        return Located({}, {(): Mark(file, 1, 1)}, key_marks, conversions)
    data = _build(root, (), file, marks, key_marks, conversions)
    return Located(data, marks, key_marks, conversions)


def _build(node, path: tuple, file: str, marks: dict, key_marks: dict, conversions: dict):
    marks[path] = _mark(node, file)
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError(_mark(key_node, file), "key_not_scalar")
            key = _scalar(key_node, file)
            if key in result:
                raise SourceError(_mark(key_node, file), "duplicate_key", key=key)
            key_marks[path + (key,)] = _mark(key_node, file)
            _note_conversion(key_node, key, path + (key,), file, conversions)
            result[key] = _build(value_node, path + (key,), file, marks, key_marks, conversions)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (index,), file, marks, key_marks, conversions) for index, item in enumerate(node.value)]
    value = _scalar(node, file)
    _note_conversion(node, value, path, file, conversions)
    return value


def _note_conversion(node, value, path: tuple, file: str, conversions: dict) -> None:
    # Only plain (unquoted) scalars are typed by YAML; true/false and numbers written as read are not surprises.
    if node.style is not None or isinstance(value, str) or value is None:
        return
    if isinstance(value, bool):
        lossy = node.value.lower() not in ("true", "false")
    else:
        lossy = str(value) != node.value
    if lossy:
        conversions[path] = Conversion(node.value, value, _mark(node, file))


_constructor = yaml.constructor.SafeConstructor()


def _scalar(node, file: str):
    # Constructing one scalar at a time keeps YAML's own typing (ints, booleans) so that the
    # validators can tell an operator that `no` became false or `01` became 1.
    try:
        return _constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise SourceError(_mark(node, file), "yaml_value", problem=exc.problem or "invalid value") from None
    finally:
        _constructor.constructed_objects.clear()
