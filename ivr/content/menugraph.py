"""The menu tree as a graph: which node leads to which, by which key or step; used by the checks and the map."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.core import answers
from ivr.core.script import (
    ACTIONS,
    AnswerNode,
    Goto,
    InputNode,
    MenuNode,
    SayNode,
    ScriptModel,
)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str  # a node name or one of script.ACTIONS
    label: str  # the key pressed, or what makes the call move on
    kind: str  # key, next, collect, identity, reprompt, global


def edges(model: ScriptModel) -> list[Edge]:
    """Every way a call moves from one node to another, in file order."""
    found = []
    for name, node in model.nodes.items():
        kind = answers.KINDS.get(node.answer) if isinstance(node, AnswerNode) else None
        for key, target in getattr(node, "options", {}).items():
            found.append(Edge(name, _option_target(node, kind, target), key, "key"))
        if isinstance(node, (InputNode, SayNode)) and node.next:
            found.append(Edge(name, node.next, "next", "next"))
        if isinstance(node, InputNode) and node.collect == "password":
            # The password step returns to the answer that asked for identity, or to the main menu.
            found.append(Edge(name, model.settings.start, "verified", "next"))
        if isinstance(node, AnswerNode):
            for slot, target in node.collect.items():
                found.append(Edge(name, target, slot, "collect"))
            if node.requires == "identity" or (kind is not None and kind.verified_caller):
                found.append(Edge(name, model.settings.identify, "identity", "identity"))
    return found


def _option_target(node, kind, target) -> str:
    """Where an option leads: its node or action, or the collect node an answer kind's own action asks again."""
    go = target.go if isinstance(target, Goto) else target
    slot = kind.actions.get(go) if kind is not None else None
    return node.collect.get(slot, go) if slot is not None else go


def reachable(model: ScriptModel) -> set[str]:
    """The nodes some sequence of keys reaches from the start node."""
    by_source: dict[str, list[str]] = {}
    for edge in edges(model):
        by_source.setdefault(edge.source, []).append(edge.target)
    seen = set()
    todo = [model.settings.start]
    while todo:
        name = todo.pop()
        if name in seen or name not in model.nodes:
            continue
        seen.add(name)
        todo.extend(target for target in by_source.get(name, ()) if target not in ACTIONS)
    return seen


def say_loops(model: ScriptModel) -> list[str]:
    """The first node of every chain of announcements that only leads back into itself."""
    loops = []
    reported: set[str] = set()
    for name in model.nodes:
        chain, current = [], name
        while isinstance(model.nodes.get(current), SayNode) and current not in chain:
            chain.append(current)
            current = model.nodes[current].next
        if current in chain and not reported & set(chain):
            loops.append(current)
            reported.update(chain)
    return loops


def is_menu(node) -> bool:
    return isinstance(node, (MenuNode, AnswerNode))
