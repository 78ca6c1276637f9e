"""Menus built from their options' labels: a menu without a prompt of its own says each option as its label and key
(settings.menu_labels), then the global keys, so that adding an option is one entry and its prompts follow.

Building happens here, once the prompts are validated, and gives each such menu an ordinary `prompt` and `short`: the
engine, the checks of what menus announce and `ivr effort` see the sentences callers hear. A label is also a phrase a
caller may say for its key on a line that listens, so it leads the option's `say` phrases."""

from __future__ import annotations

import string

from ivr.content.explain import where
from ivr.content.yamlsource import Located, SourceError
from ivr.core.reading import Reader
from ivr.core.script import Goto, MenuNode, ScriptModel
from ivr.core.understanding import plain


def label_of(target) -> str | None:
    """The label an option carries, or None (an option written as a bare target has none)."""
    return target.label if isinstance(target, Goto) else None


def check_labels(model: ScriptModel, located: Located) -> list[SourceError]:
    """What an operator can get wrong with labels: one left empty, and a menu with neither a prompt nor a label on
    every option (or a short prompt without the prompt it shortens, or no settings.menu_labels to build with)."""
    problems = []
    words = model.settings.recognition.same_as
    for name, node in model.nodes.items():
        for key, target in getattr(node, "options", {}).items():
            label = label_of(target)
            if label is not None and not plain(label, words):
                path = ("nodes", name, "options", key, "label")
                problems.append(SourceError(located.mark(path), "label_empty", where=where(path), key=key))
        if isinstance(node, MenuNode) and node.prompt is None:
            problems += _unbuildable(model, name, node, located)
    return problems


def _unbuildable(model: ScriptModel, name: str, node: MenuNode, located: Located) -> list[SourceError]:
    """Why a menu without a prompt cannot be built, told at the options that lack a label."""
    if node.short is not None:
        path = ("nodes", name, "short")
        return [SourceError(located.key_mark(path), "short_without_prompt", where=where(path))]
    if not node.options:
        path = ("nodes", name)
        return [SourceError(located.key_mark(path), "menu_without_prompt", where=where(path))]
    problems = []
    for key, target in node.options.items():
        if label_of(target) is None:
            path = ("nodes", name, "options", key)
            problems.append(SourceError(located.key_mark(path), "option_without_label", where=where(path), key=key,
                                        target=target.go if isinstance(target, Goto) else target))
    if not problems and model.settings.menu_labels is None:
        path = ("nodes", name)
        problems.append(SourceError(located.key_mark(path), "menu_labels_missing", where=where(path)))
    return problems


def buildable(model: ScriptModel, node) -> bool:
    """Whether a node is a menu to build: no prompt of its own, a label on each of its options, and settings whose
    `option` says both the label and the key (the placeholder checks tell a template that does not)."""
    labels = model.settings.menu_labels
    return (isinstance(node, MenuNode) and node.prompt is None and node.short is None and bool(node.options)
            and labels is not None and _names(labels.option) == {"label", "key"}
            and all(label_of(target) for target in node.options.values()))


def _names(template: str) -> set[str] | None:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return None


def built(model: ScriptModel, reader: Reader) -> ScriptModel:
    """The script with every buildable menu's prompts built and every label leading its option's phrases."""
    nodes = {}
    for name, node in model.nodes.items():
        if buildable(model, node):
            node = node.model_copy(update={"prompt": _prompt(model, name, node, reader, "full"),
                                           "short": _prompt(model, name, node, reader, "short"),
                                           "elder_prompt": node.elder_prompt or _elder_prompt(model, name, node, reader)})
        nodes[name] = _with_labels_said(node)
    return model.model_copy(update={"nodes": nodes})


def locate_built(model: ScriptModel, located: Located) -> None:
    """Mark each built prompt where its words come from, the menu's `options`, so that what `ivr check` says of it
    (too long to hear, a key the check does not read) points there."""
    for name, node in model.nodes.items():
        if buildable(model, node):
            mark = located.key_mark(("nodes", name, "options"))
            for field in ("prompt", "short", "elder_prompt"):
                located.marks.setdefault(("nodes", name, field), mark)


def _prompt(model: ScriptModel, name: str, node: MenuNode, reader: Reader, which: str) -> str:
    """One of a menu's prompts: each option by its label, then the global keys settings.menu_labels names for it."""
    labels = model.settings.menu_labels
    return labels.separator.join(_options_said(model, name, node, reader, getattr(labels, which))) + labels.ending


def _elder_prompt(model: ScriptModel, name: str, node: MenuNode, reader: Reader) -> str | None:
    """The prompt older callers hear: the agent key first (settings.menu_labels.elder_lead), then the options and the
    full prompt's other global keys; None where no lead is set."""
    labels = model.settings.menu_labels
    if labels.elder_lead is None:
        return None
    lead = labels.elder_lead.format(key=_literal(reader.key(model.settings.keys.agent)))
    others = [role for role in labels.full if role != "agent"]
    return labels.separator.join([lead, *_options_said(model, name, node, reader, others)]) + labels.ending


def _options_said(model: ScriptModel, name: str, node: MenuNode, reader: Reader, roles) -> list[str]:
    """Each option as said, by its label and key, then each of `roles`' global keys (not `main` in the main menu)."""
    labels, keys = model.settings.menu_labels, model.settings.keys
    said = [(label_of(target), key) for key, target in node.options.items()]
    for role in roles:
        # The main-menu key means nothing in the main menu itself, so the main menu does not offer it.
        if not (role == "main" and name == model.settings.start):
            said.append((getattr(labels.global_labels, role), getattr(keys, role)))
    # The words are escaped as the engine fills a prompt's {placeholders}: a label says only what it says.
    return [labels.option.format(label=_literal(label), key=_literal(reader.key(key))) for label, key in said]


def _literal(words: str) -> str:
    return words.replace("{", "{{").replace("}", "}}")


def _with_labels_said(node):
    """The node with each option's label as the first phrase a caller may say for its key."""
    labels = {key: label_of(target) for key, target in getattr(node, "options", {}).items() if label_of(target)}
    if not labels:
        return node
    say = {key: list(phrases) for key, phrases in node.say.items()}
    for key, label in labels.items():
        say[key] = [label] + [phrase for phrase in say.get(key, []) if phrase != label]
    return node.model_copy(update={"say": say})
