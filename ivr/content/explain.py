"""One way to tell an operator what is wrong in any of their files: pydantic's errors turned into file:line:column.

Every operator file (prompts/*.yaml, data/regions.yaml, data/lines.yaml, data/accounts.yaml) is read by
ivr.content.yamlsource, which remembers where each value stands, and validated by a pydantic model; `explain`
turns each validation error into a SourceError at the line of the offending value, with a sentence from
checkmessages.yaml in Chinese and English.

A model's own checks raise pydantic_core.PydanticCustomError with a catalogue code as the error type and the
sentence's {names} as its context; a context entry "at" (a list of keys) points below the value that was checked,
such as the second tier of a list of tiers.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ivr.content.yamlsource import Located, SourceError, catalogue, display_name, read

_TYPE_WORDS = {
    "string_type": "text", "int_type": "whole number", "int_parsing": "whole number", "int_from_float": "whole number",
    "float_type": "number", "float_parsing": "number", "bool_type": "true or false", "bool_parsing": "true or false",
    "dict_type": "mapping", "list_type": "list", "model_type": "mapping", "model_attributes_type": "mapping",
    "decimal_type": "number", "decimal_parsing": "number", "date_type": "date", "date_parsing": "date",
    "date_from_datetime_parsing": "date", "finite_number": "number",
}
_RANGE_CODES = {"greater_than_equal": ("too_small", "ge"), "greater_than": ("too_small", "gt"),
                "less_than_equal": ("too_large", "le"), "less_than": ("too_large", "lt")}
# A discriminator named `type` picks a menu node's kind; prompts have their own sentences for it.
NODE_TYPES = ("menu", "input", "answer", "say")


def suggest(word, choices) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return close[0] if close else ""


def where(path) -> str:
    return ".".join(str(p) for p in path) or "file"


def yaml_word(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def explain_all(exc: ValidationError, data, located: Located, model: type[BaseModel]) -> list[SourceError]:
    """Every error of one validation, each once (a union may report one mistake under each of its members)."""
    problems, seen = [], set()
    for error in exc.errors():
        problem = explain(error, data, located, model)
        if (problem.mark, problem.code) not in seen:
            seen.add((problem.mark, problem.code))
            problems.append(problem)
    return problems


def _walk(loc, data) -> tuple[list, object, str | None]:
    """The part of pydantic's location that exists in the data, the value there, and a missing field's name.

    Parts that are not in the data are pydantic's own names for union members and validators, except the last
    part of a `missing` error, which names the field that is missing.
    """
    path: list = []
    current = data
    for index, part in enumerate(loc):
        if isinstance(current, dict) and part in current:
            path.append(part)
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            path.append(part)
            current = current[part]
        elif index == len(loc) - 1 and isinstance(current, dict):
            return path, current, part
    return path, current, None


def explain(error: dict, data, located: Located, model: type[BaseModel]) -> SourceError:
    """Turn one pydantic error into a sentence at the line of the offending value."""
    path, current, last = _walk(error["loc"], data)
    kind = error["type"]
    ctx = dict(error.get("ctx") or {})
    if kind == "missing" and last is not None:
        return SourceError(located.mark(tuple(path)), "missing_field", where=where(path), field=last)
    if "at" in ctx:
        path, current = _below(path, current, ctx.pop("at"))
    mark = located.mark(tuple(path))
    if kind == "extra_forbidden":
        allowed = fields_near(model, tuple(path[:-1]), data)
        return SourceError(located.key_mark(tuple(path)), "unknown_field", where=where(path[:-1]), field=path[-1],
                           allowed=", ".join(allowed), suggest=suggest(path[-1], allowed))
    if kind.startswith("union_tag"):
        return _union_tag(kind, ctx, path, current, located)
    if kind == "bool_key":
        bad = located.conversions.get(tuple(path) + (False,)) or located.conversions.get(tuple(path) + (True,))
        return SourceError(bad.mark if bad else mark, "bool_key", where=where(path), text=bad.text if bad else "no")
    if kind == "same_key":
        return _same_key(path, ctx.get("key", ""), located, mark)
    if kind == "phone_key":
        return SourceError(mark, kind, where=where(path), key=ctx.get("key", ""))
    converted = located.conversions.get(tuple(path))
    if converted is not None:
        return SourceError(converted.mark, "converted_value", where=where(path), text=converted.text,
                           value=yaml_word(converted.value))
    if kind in catalogue():
        # A model's own check, told with its own sentence.
        return SourceError(mark, kind, where=where(path), **ctx)
    return _value_error(kind, ctx, error["msg"], path, current, mark)


def _below(path: list, current, at) -> tuple[list, object]:
    for part in at:
        path = path + [part]
        current = current[part] if isinstance(current, (dict, list)) else None
    return path, current


def _union_tag(kind: str, ctx: dict, path: list, current, located: Located) -> SourceError:
    field = str(ctx.get("discriminator", "")).strip("'")
    expected = str(ctx.get("expected_tags", ""))
    if field == "type":
        if kind == "union_tag_invalid":
            return SourceError(located.mark(tuple(path)), "unknown_node_type", where=where(path),
                               suggest=suggest(ctx.get("tag", ""), NODE_TYPES))
        return SourceError(located.mark(tuple(path)), "node_without_type", where=where(path))
    if kind == "union_tag_invalid":
        at = tuple(path) + (field,)
        return SourceError(located.mark(at), "not_one_of", where=where(at), value=ctx.get("tag", ""),
                           expected=expected, suggest=suggest(ctx.get("tag", ""), [t.strip(" '") for t in expected.split(",")]))
    return SourceError(located.mark(tuple(path)), "missing_field", where=where(path), field=field)


def _value_error(kind: str, ctx: dict, message: str, path: list, current, mark) -> SourceError:
    here = where(path)
    if kind == "literal_error":
        return SourceError(mark, "not_one_of", where=here, value=current, expected=ctx.get("expected", ""))
    if kind in _TYPE_WORDS:
        return SourceError(mark, "wrong_type", where=here, value=yaml_word(current), expected=_TYPE_WORDS[kind])
    if kind in _RANGE_CODES:
        code, bound = _RANGE_CODES[kind]
        return SourceError(mark, code, where=here, value=current, limit=ctx.get(bound, ""))
    if kind == "string_pattern_mismatch":
        return SourceError(mark, "not_a_key", where=here, value=current)
    if kind == "string_too_short":
        return SourceError(mark, "empty_text", where=here)
    if kind in ("too_short", "too_long"):
        return SourceError(mark, "wrong_length", where=here)
    return SourceError(mark, "invalid_value", where=here, detail=message)


def fields_near(model: type[BaseModel], path: tuple, data) -> list[str]:
    """The field names the model allows at path, for did-you-mean suggestions and the list of allowed fields."""
    annotation, current = model, data
    for part in path:
        found = _model_for(annotation, current)
        if found is not None:
            info = found.model_fields.get(part)
            annotation = info.annotation if info is not None else None
        else:
            annotation = _item_annotation(annotation)
        current = current.get(part) if isinstance(current, dict) else None
        if annotation is None:
            return []
    found = _model_for(annotation, current)
    return list(found.model_fields) if found is not None else []


def _item_annotation(annotation):
    """What the values of a dict[...] or list[...] are annotated with, through Optional and Annotated."""
    if get_origin(annotation) in (dict, list, tuple):
        return get_args(annotation)[-1]
    for arg in get_args(annotation):
        found = _item_annotation(arg)
        if found is not None:
            return found
    return None


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (dict, list, tuple):
        return []
    return [found for arg in get_args(annotation) for found in _models_in(arg)]


def _model_for(annotation, value) -> type[BaseModel] | None:
    """The model among an annotation's members that value is meant for: by its Literal tag when several could be."""
    models = _models_in(annotation)
    if not models or not isinstance(value, dict):
        return None
    for candidate in models if len(models) > 1 else ():
        for name, info in candidate.model_fields.items():
            if get_origin(info.annotation) is Literal and name in value and value[name] in get_args(info.annotation):
                return candidate
    return max(models, key=lambda candidate: len(set(candidate.model_fields) & set(value)))


def validate_file(path: Path, model: type[BaseModel]) -> tuple[BaseModel | None, Located | None, list[SourceError]]:
    """Read one data file and validate it: the model (None when it does not validate), where values stand, problems.

    Data files read only true/false as booleans; an unquoted number YAML reads differently from how it was
    typed (`0755`, `08:00`) is always an error, even where a number is allowed.
    """
    try:
        located = read(Path(path), display=display_name(Path(path)), true_false_only=True)
    except SourceError as error:
        return None, None, [error]
    instance = None
    try:
        instance = model.model_validate(located.data)
        problems = []
    except ValidationError as exc:
        problems = explain_all(exc, located.data, located, model)
    return instance if not problems else None, located, problems + _unexpected_numbers(located, problems)


def _unexpected_numbers(located: Located, already: list[SourceError]) -> list[SourceError]:
    told = {problem.mark for problem in already}
    problems = []
    for path, conversion in located.conversions.items():
        if isinstance(conversion.value, int) and conversion.mark not in told:
            problems.append(SourceError(conversion.mark, "converted_value", where=where(path), text=conversion.text,
                                        value=yaml_word(conversion.value)))
    return problems


def _same_key(path: list, key: str, located: Located, mark) -> SourceError:
    """Two options on one phone key: told at the one YAML read as a number (01 or 1 unquoted), naming the other's line."""
    typed = [(p[-1], m) for p, m in located.key_marks.items()
             if p[:-1] == tuple(path) and str(p[-1]) == key and not isinstance(p[-1], str)]
    typed += [(p[-1], c.mark) for p, c in located.conversions.items()
              if p[:-1] == tuple(path) and str(c.value) == key and c.mark not in {m for _, m in typed}]
    other = located.key_marks.get(tuple(path) + (key,))
    if not typed or other is None:
        return SourceError(mark, "same_key", where=where(path), key=key, text=key, first=mark.line if mark else 1)
    value, at = typed[-1]
    conversion = located.conversions.get(tuple(path) + (value,))
    return SourceError(at, "same_key", where=where(path), key=key, text=conversion.text if conversion else str(value),
                       first=other.line)
