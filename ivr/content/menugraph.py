"""The menu tree as a graph: which node leads to which, by which key or step; used by the checks and the map."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.core import answers
from ivr.core.script import (
    ACTIONS,
    CALLER_ACTIONS,
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
    kind: str  # key, next, collect, identity, reprompt, global, help, busy


def edges(model: ScriptModel) -> list[Edge]:
    """Every way a call moves from one node to another, in file order."""
    found = []
    for name, node in model.nodes.items():
        kind = answers.KINDS.get(node.answer) if isinstance(node, AnswerNode) else None
        for key, target in getattr(node, "options", {}).items():
            found.append(Edge(name, _option_target(model, node, kind, target), key, "key"))
        if isinstance(node, (InputNode, SayNode)) and node.next:
            found.append(Edge(name, node.next, "next", "next"))
        if isinstance(node, InputNode):
            found += _entry_edges(model, name, node)
        if isinstance(node, AnswerNode):
            for slot, target in node.collect.items():
                found.append(Edge(name, target, slot, "collect"))
            if node.requires == "identity" or (kind is not None and kind.verified_caller):
                found += _identity_edges(model, name)
    return found + _agent_edges(model)


def _agent_edges(model: ScriptModel) -> list[Edge]:
    """Where any menu's 0 may lead besides the agent, drawn once, from the start."""
    found = []
    if model.settings.agent_busy:
        # Any menu's 0 may find the agent busy.
        found.append(Edge(model.settings.start, model.settings.agent_busy, "agent busy", "busy"))
    if model.settings.rating:
        # Any call that reached an agent is asked to rate the service when the agent leg ends.
        found.append(Edge(model.settings.start, model.settings.rating, "agent ended", "busy"))
    # Likewise outside agent hours, and before a long queue.
    if model.settings.agent_closed:
        found.append(Edge(model.settings.start, model.settings.agent_closed, "agents closed", "busy"))
    if model.settings.queue_busy:
        found.append(Edge(model.settings.start, model.settings.queue_busy, "long queue", "busy"))
    return found


def _entry_edges(model: ScriptModel, name: str, node: InputNode) -> list[Edge]:
    """An entry's way out (* alone to its help menu) and, for the password, where a verified caller goes."""
    found = []
    if node.help:
        found.append(Edge(name, node.help, "*", "help"))
    if node.collect == "password":
        # The password step returns to the answer that asked for identity, or to the main menu.
        found.append(Edge(name, model.settings.start, "verified", "next"))
    return found


def _identity_edges(model: ScriptModel, name: str) -> list[Edge]:
    """Where an answer that needs a verified caller sends one who is not yet."""
    found = [Edge(name, model.settings.identify, "identity", "identity")]
    if model.settings.confirm:
        # A caller from a mobile registered on one account is asked first whether they are its insured person.
        found.append(Edge(name, model.settings.confirm, "registered", "identity"))
    return found


def _option_target(model: ScriptModel, node, kind, target) -> str:
    """Where an option leads: its node or action, or the collect node an answer kind's own action asks again."""
    go = target.go if isinstance(target, Goto) else target
    if go in CALLER_ACTIONS:
        return _caller_target(model, go)
    slot = kind.actions.get(go) if kind is not None else None
    return node.collect.get(slot, go) if slot is not None else go


def _caller_target(model: ScriptModel, action: str) -> str:
    """Where the registered caller's answer leads: yes to the password (the ID node's next), no to the ID node."""
    identify = model.nodes.get(model.settings.identify)
    if action == "its_me" and isinstance(identify, InputNode) and identify.next:
        return identify.next
    return model.settings.identify


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
