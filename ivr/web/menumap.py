"""`ivr map` and /map: the whole menu tree drawn as SVG (Graphviz), unreachable nodes standing out."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import graphviz
from flask import Blueprint, current_app, jsonify, request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ivr.content import menugraph
from ivr.core import answers
from ivr.core.hotline import Hotline
from ivr.core.script import (
    ACTIONS,
    AnswerNode,
    InputNode,
    MenuNode,
    SayNode,
    ScriptModel,
)
from ivr.web.protection import require_operator

bp = Blueprint("menumap", __name__, url_prefix="/map")
# The map shows every prompt and the reasons of refused edits: for operators (ivr.web.protection).
bp.before_request(require_operator)
# Its own environment, so that `ivr map` can write the page without an app.
_templates = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"), autoescape=select_autoescape())

UNREACHABLE = {"style": "filled,dashed", "fillcolor": "#fde2e1", "color": "#c0392b", "penwidth": "2"}
# Where `ivr map` writes when no -o is given: a temporary folder, never the folder it is run from.
DEFAULT_OUTPUT = Path(tempfile.gettempdir()) / "ivr" / "menumap.html"
# Graphviz sizes are points; drawn at their natural size (the page scrolls rather than shrinks the drawing), 12 pt is
# 16 px on screen, and no text is smaller.
FONT_POINTS = "12"
KINDS = {MenuNode: ("menu", "#e8f1fb"), InputNode: ("input", "#fff6dd"), AnswerNode: ("answer", "#e6f5e9"), SayNode: ("say", "#f1ecf8")}


def _excerpt(text: str | None, width: int = 18) -> str:
    if not text:
        return ""
    lines = [text[i:i + width] for i in range(0, min(len(text), width * 3), width)]
    return "\n".join(lines) + ("…" if len(text) > width * 3 else "")


def _spoken(node) -> str:
    return getattr(node, "prompt", None) or getattr(node, "text", None) or getattr(node, "after", None) or ""


def _needs_identity(script: ScriptModel) -> list[str]:
    """The answers a verified caller comes back to after the password."""
    found = []
    for name, node in script.nodes.items():
        kind = answers.KINDS.get(node.answer) if isinstance(node, AnswerNode) else None
        if isinstance(node, AnswerNode) and (node.requires == "identity" or (kind is not None and kind.verified_caller)):
            found.append(name)
    return found


def drawn_edges(script: ScriptModel) -> Iterator[menugraph.Edge]:
    """The ways a call really moves, as the map draws them: the password leads back to the answer that asked for it
    (never to the main menu), the `main` action to the start node itself, `repeat` to the node it is keyed in, `back`
    to the entries whose help menu it is; the other actions (agent, goodbye, paging) each to one shared oval."""
    start = script.settings.start
    for edge in menugraph.edges(script):
        if edge.kind == "next" and edge.label == "verified":
            for answer in _needs_identity(script):
                yield menugraph.Edge(edge.source, answer, "verified", "next")
        elif edge.target == "back":
            for name, node in script.nodes.items():
                if isinstance(node, InputNode) and node.help == edge.source:
                    yield menugraph.Edge(edge.source, name, edge.label, edge.kind)
        elif edge.target in ("main", "repeat"):
            yield menugraph.Edge(edge.source, start if edge.target == "main" else edge.source, edge.label, edge.kind)
        elif edge.target in ACTIONS:
            yield menugraph.Edge(edge.source, f"action-{edge.target}", edge.label, edge.kind)
        else:
            yield edge


def _label(name: str, node, kind: str) -> str:
    title = getattr(node, "title", None)
    heading = f"{title}\n{name}  [{kind}]" if title else f"{name}  [{kind}]"
    return f"{heading}\n{_excerpt(_spoken(node))}"


def graph(hotline: Hotline) -> graphviz.Digraph:
    """Every node, key, target and re-prompt path of the script as a Graphviz graph."""
    script = hotline.script
    settings = script.settings
    reached = menugraph.reachable(script)
    dot = graphviz.Digraph("menus", graph_attr={"rankdir": "LR", "fontname": "sans-serif", "nodesep": "0.3"},
                           node_attr={"shape": "box", "style": "rounded,filled", "fontname": "sans-serif",
                                      "fontsize": FONT_POINTS},
                           edge_attr={"fontname": "sans-serif", "fontsize": FONT_POINTS})
    for name, node in script.nodes.items():
        kind, colour = KINDS[type(node)]
        label = _label(name, node, kind)
        attrs = {"fillcolor": colour}
        if name not in reached:
            attrs = dict(UNREACHABLE)
            label = f"UNREACHABLE\n{label}"
        if name == settings.start:
            attrs["penwidth"] = "2.5"
        dot.node(name, label, **attrs)
    actions = set()
    for edge in drawn_edges(script):
        if edge.target.startswith("action-") and edge.target not in actions:
            # One oval per action, however many nodes lead to it.
            actions.add(edge.target)
            dot.node(edge.target, edge.target.removeprefix("action-"), shape="ellipse", style="filled",
                     fillcolor="#eeeeee")
        style = {"key": "solid", "next": "bold", "collect": "dashed", "identity": "dotted", "help": "dashed", "busy": "dotted"}[edge.kind]
        dot.edge(edge.source, edge.target, label=edge.label, style=style)
    # Re-prompts: silence and wrong keys repeat the node until the limits, then goodbye or the agent.
    limits, after = settings.limits, settings.after_limits
    for name, node in script.nodes.items():
        if isinstance(node, SayNode):
            continue
        dot.edge(name, name, label=f"noinput<{limits.noinput} / nomatch<{limits.nomatch}", color="#767676",
                 fontcolor="#595959", style="dashed")
    for kind in ("noinput", "nomatch"):
        dot.node(f"limit-{kind}", f"{kind} x{getattr(limits, kind)}\n-> {getattr(after, kind)}", shape="note", fillcolor="#f6f6f6")
    keys = settings.keys
    dot.node("keys", f"global keys\nrepeat {keys.repeat}\nagent {keys.agent}\nmain {keys.main}", shape="note", fillcolor="#fffbe6")
    return dot


def svg(hotline: Hotline) -> str | None:
    """The drawing as SVG, or None when Graphviz's dot program is not installed."""
    try:
        return graph(hotline).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        return None


def page(hotline: Hotline, status: dict | None = None, nonce: str | None = None) -> str:
    """The whole page; nonce lets its own <style> through the pages' Content-Security-Policy (ivr.web.protection)."""
    script = hotline.script
    reached = menugraph.reachable(script)
    drawing = svg(hotline)
    rows = []
    for name, node in script.nodes.items():
        targets = [(e.label, e.target.removeprefix("action-")) for e in drawn_edges(script) if e.source == name]
        rows.append({"name": name, "title": getattr(node, "title", None) or "", "kind": KINDS[type(node)][0], "spoken": _spoken(node), "targets": targets,
                     "reachable": name in reached})
    # The drawing's inline SVG comes from Graphviz, which escapes every label itself.
    return _templates.get_template("menumap.html").render( svg=Markup(drawing[drawing.find("<svg"):]) if drawing else None,
                           dot=graph(hotline).source, rows=rows, status=status, settings=script.settings, nonce=nonce)


@bp.get("")
def show():
    versions = current_app.extensions["ivr.versions"]
    return page(versions(), versions.status(), nonce=request.csp_nonce)


@bp.get("/status.json")
def status():
    """The version served and any refused edit, for the simulator's banner."""
    versions = current_app.extensions["ivr.versions"]
    versions()
    return jsonify(versions.status())


def write(prompts: Path, data: Path, output: Path) -> Path:
    """Write the map of the prompts and data as one HTML page."""
    from ivr.content.version import load_hotline

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page(load_hotline(prompts, data)), encoding="utf-8")
    return output
