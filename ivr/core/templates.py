"""The building blocks of every model operators fill in: frozen models that refuse unknown fields, and templates
that say which {placeholders} they may use and which they must say.

The script (ivr.core.script) and each answer kind's own templates (ivr.core.answers) are built from these."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict


class Placeholders:
    """Annotation metadata: the {names} a template may use, and those it must say."""

    def __init__(self, *names: str, required: tuple[str, ...] = ()):
        self.names = frozenset(names) | frozenset(required)
        self.required = frozenset(required)


def Template(*names: str, required: tuple[str, ...] = ()):
    return Annotated[str, Placeholders(*names, required=required)]


def Said(*names: str):
    """A template that must say every one of its placeholders: the answer the caller asked for."""
    return Template(required=names)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
