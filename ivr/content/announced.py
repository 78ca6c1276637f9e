"""The keys a menu's prompts announce, held against the keys the menu has: `ivr check` refuses a prompt that names a
key no option answers (press 4 in a menu without an option 4), or leaves an option unsaid.

Keys are read as the demo prompts say them and the operators' guide asks, in the words of keywords.yaml: the word for
press, then a digit or the name of * or # (full-width digits and signs count as well). A menu may always announce the
global keys of settings.keys, which work in every menu. What a {placeholder} will say is filled in by the hotline and
cannot be read here, so it is left out."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import yaml

from ivr.content.explain import where
from ivr.content.yamlsource import Located, SourceError
from ivr.core.script import Goto, MenuNode, ScriptModel

KEYWORDS = Path(__file__).resolve().parent / "keywords.yaml"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@cache
def _keywords() -> dict:
    return yaml.safe_load(KEYWORDS.read_text(encoding="utf-8"))


@cache
def _press() -> re.Pattern:
    """One key after the word for press: a digit no other digit follows (a count such as twelve months is no key), a
    sign named in words, or a sign written as itself."""
    words = _keywords()
    between = "|".join(map(re.escape, words["between"]))
    named = "|".join(re.escape(word) for spoken in words["words"].values() for word in spoken)
    return re.compile(f"{re.escape(words['press'])}(?:{between})?(?:([0-9])(?![0-9])|({named})|([*#]))")


def _key_of(word: str) -> str:
    return next(key for key, spoken in _keywords()["words"].items() if word in spoken)


def keys_said(text: str) -> dict[str, str]:
    """The keys a sentence tells callers to press, each with the words that say it, in order."""
    plain = _PLACEHOLDER.sub(" ", unicodedata.normalize("NFKC", text))
    said: dict[str, str] = {}
    for match in _press().finditer(plain):
        digit, word, sign = match.groups()
        said.setdefault(digit or sign or _key_of(word), match.group(0))
    return said


def spoken(key: str) -> str:
    """How a prompt says a key, in the words of keywords.yaml."""
    words = _keywords()
    return words["press"] + words["words"].get(key, [key])[0]


def check_announced(model: ScriptModel, located: Located) -> list[SourceError]:
    """Every menu's greeting and prompts (full, short, older callers') name only keys it answers, and each prompt all its
    options."""
    keys = model.settings.keys
    global_keys = {keys.repeat, keys.agent, keys.main}
    problems = []
    for name, node in model.nodes.items():
        if isinstance(node, MenuNode):
            problems += _menu(name, node, global_keys, located)
    return problems


def _menu(name: str, node: MenuNode, global_keys: set[str], located: Located) -> list[SourceError]:
    problems = []
    for field in ("greeting", "prompt", "short", "elder_prompt"):
        text = getattr(node, field)
        if text is None:
            continue
        path = ("nodes", name, field)
        said = keys_said(text)
        for key, words in said.items():
            if key not in node.options and key not in global_keys:
                problems.append(SourceError(located.mark(path), "key_not_in_menu", where=where(path), said=words,
                                            key=key, globals=" ".join(sorted(global_keys))))
        # The greeting is said once, before the prompt; the prompt and the short prompt each stand alone later.
        if field == "greeting":
            continue
        for key, target in node.options.items():
            if key not in said:
                problems.append(_unsaid(name, key, target, path, located))
    return problems


def _unsaid(name: str, key: str, target, prompt: tuple, located: Located) -> SourceError:
    """An option its prompt never names, told at the option (the entry just added, as a rule) with the prompt's line."""
    option = ("nodes", name, "options", key)
    mark = located.mark(prompt)
    return SourceError(located.key_mark(option), "option_not_said", where=where(option), key=key, said=spoken(key),
                       target=target.go if isinstance(target, Goto) else target, prompt=where(prompt),
                       line=mark.line if mark else "?")
