"""Checks of what follows an answer or the agent: the text-message action and the rating menu.

`send_text` belongs to answer nodes (only an answer has facts to send), and the rating targets to the menu
settings.rating names, which must offer all of them."""

from __future__ import annotations

from ivr.content.explain import where
from ivr.content.yamlsource import Located, SourceError
from ivr.core.script import (
    RATINGS,
    TEXT_ACTION,
    AnswerNode,
    Goto,
    MenuNode,
    ScriptModel,
)


def check_followups(model: ScriptModel, located: Located) -> list[SourceError]:
    problems = _misplaced(model, located)
    rating = model.settings.rating
    if rating is None:
        return problems
    node = model.nodes.get(rating)
    if node is None:
        # Told like every other name that leads nowhere, with the closest node.
        return problems
    if not isinstance(node, MenuNode):
        return problems + [SourceError(located.mark(("settings", "rating")), "rating_not_menu", target=rating)]
    offered = {_target(target) for target in node.options.values()}
    for value in RATINGS:
        if value not in offered:
            problems.append(SourceError(located.mark(("nodes", rating, "options")), "rating_option_missing",
                                        where=f"nodes.{rating}.options", action=value))
    return problems


def _target(target) -> str:
    return target.go if isinstance(target, Goto) else target


def _misplaced(model: ScriptModel, located: Located) -> list[SourceError]:
    """A text outside an answer node, or a rating outside the rating menu."""
    problems = []
    for name, node in model.nodes.items():
        for key, target in getattr(node, "options", {}).items():
            go, path = _target(target), ("nodes", name, "options", key)
            if go == TEXT_ACTION and not isinstance(node, AnswerNode):
                problems.append(SourceError(located.mark(path), "text_action_here", where=where(path), action=go))
            if go in RATINGS and name != model.settings.rating:
                problems.append(SourceError(located.mark(path), "rating_here", where=where(path), action=go))
    return problems
