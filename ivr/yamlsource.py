"""YAML files read with the line and column of every value, so errors can name file:line:column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Mark:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class SourceError(Exception):
    """A problem in an operator's file, told as file:line:column and a plain sentence."""

    def __init__(self, mark: Mark | None, message: str, *, warning: bool = False):
        self.mark = mark
        self.message = message
        self.warning = warning
        super().__init__(f"{mark}: {message}" if mark else message)


class Located:
    """Parsed YAML data plus a map from each value's path to where it stands in the file."""

    def __init__(self, data, marks: dict[tuple, Mark], key_marks: dict[tuple, Mark]):
        self.data = data
        self.marks = marks
        self.key_marks = key_marks

    def mark(self, path: tuple) -> Mark | None:
        """The mark of the value at path, or of its nearest parent that has one."""
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get(())


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
        raise SourceError(Mark(file, 1, 1), f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    except OSError as exc:
        raise SourceError(Mark(file, 1, 1), f"cannot read the file: {exc.strerror}") from None
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(file, mark.line + 1, mark.column + 1) if mark else Mark(file, 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise SourceError(where, f"YAML syntax: {problem}") from None
    except yaml.YAMLError as exc:
        raise SourceError(Mark(file, 1, 1), f"YAML syntax: {exc}") from None
    marks: dict[tuple, Mark] = {}
    key_marks: dict[tuple, Mark] = {}
    if root is None:
        return Located({}, {(): Mark(file, 1, 1)}, key_marks)
    data = _build(root, (), file, marks, key_marks)
    return Located(data, marks, key_marks)


def _build(node, path: tuple, file: str, marks: dict, key_marks: dict):
    marks[path] = _mark(node, file)
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError(_mark(key_node, file), "a key must be a plain word or number")
            key = _scalar(key_node)
            if key in result:
                raise SourceError(_mark(key_node, file), f"the key {key!r} appears twice here; keep one of them")
            key_marks[path + (key,)] = _mark(key_node, file)
            result[key] = _build(value_node, path + (key,), file, marks, key_marks)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (index,), file, marks, key_marks) for index, item in enumerate(node.value)]
    return _scalar(node)


_constructor = yaml.constructor.SafeConstructor()


def _scalar(node):
    # Constructing one scalar at a time keeps YAML's own typing (ints, booleans) so that the
    # validators can tell an operator that `no` became false or `01` became 1.
    try:
        return _constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise SourceError(None, f"YAML value: {exc.problem}") from None
    finally:
        _constructor.constructed_objects.clear()
