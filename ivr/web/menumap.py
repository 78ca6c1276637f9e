"""`ivr map` and /map: the whole menu tree drawn as SVG (Graphviz), unreachable nodes standing out."""

from __future__ import annotations

from pathlib import Path

import graphviz
from flask import Blueprint, current_app, jsonify, request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ivr.content import menugraph
from ivr.core.hotline import Hotline
from ivr.core.script import ACTIONS, AnswerNode, InputNode, MenuNode, SayNode
from ivr.web.protection import require_operator

bp = Blueprint("menumap", __name__, url_prefix="/map")
# The map shows every prompt and the reasons of refused edits: for operators (ivr.web.protection).
bp.before_request(require_operator)
# Its own environment, so that `ivr map` can write the page without an app.
_templates = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"), autoescape=select_autoescape())

UNREACHABLE = {"style": "filled,dashed", "fillcolor": "#fde2e1", "color": "#c0392b", "penwidth": "2"}
KINDS = {MenuNode: ("menu", "#e8f1fb"), InputNode: ("input", "#fff6dd"), AnswerNode: ("answer", "#e6f5e9"), SayNode: ("say", "#f1ecf8")}


def _excerpt(text: str | None, width: int = 18) -> str:
    if not text:
        return ""
    lines = [text[i:i + width] for i in range(0, min(len(text), width * 3), width)]
    return "\n".join(lines) + ("…" if len(text) > width * 3 else "")


def _spoken(node) -> str:
    return getattr(node, "prompt", None) or getattr(node, "text", None) or getattr(node, "after", None) or ""


def graph(hotline: Hotline) -> graphviz.Digraph:
    """Every node, key, target and re-prompt path of the script as a Graphviz graph."""
    script = hotline.script
    settings = script.settings
    reached = menugraph.reachable(script)
    dot = graphviz.Digraph("menus", graph_attr={"rankdir": "LR", "fontname": "sans-serif", "nodesep": "0.3"},
                           node_attr={"shape": "box", "style": "rounded,filled", "fontname": "sans-serif", "fontsize": "11"},
                           edge_attr={"fontname": "sans-serif", "fontsize": "10"})
    for name, node in script.nodes.items():
        kind, colour = KINDS[type(node)]
        label = f"{name}  [{kind}]\n{_excerpt(_spoken(node))}"
        attrs = {"fillcolor": colour}
        if name not in reached:
            attrs = dict(UNREACHABLE)
            label = f"UNREACHABLE\n{label}"
        if name == settings.start:
            attrs["penwidth"] = "2.5"
        dot.node(name, label, **attrs)
    used = set()
    for edge in menugraph.edges(script):
        target = edge.target
        if target in ACTIONS:
            target = f"{edge.source}->{edge.target}"
            used.add(target)
            dot.node(target, edge.target, shape="ellipse", style="filled", fillcolor="#eeeeee", fontsize="9")
        style = {"key": "solid", "next": "bold", "collect": "dashed", "identity": "dotted", "help": "dashed", "busy": "dotted"}[edge.kind]
        dot.edge(edge.source, target, label=edge.label, style=style)
    # Re-prompts: silence and wrong keys repeat the node until the limits, then goodbye or the agent.
    limits, after = settings.limits, settings.after_limits
    for name, node in script.nodes.items():
        if isinstance(node, SayNode):
            continue
        dot.edge(name, name, label=f"noinput<{limits.noinput} / nomatch<{limits.nomatch}", color="#888888", fontcolor="#888888",
                 style="dashed")
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
        targets = [(e.label, e.target) for e in menugraph.edges(script) if e.source == name]
        rows.append({"name": name, "kind": KINDS[type(node)][0], "spoken": _spoken(node), "targets": targets,
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

    output.write_text(page(load_hotline(prompts, data)), encoding="utf-8")
    return output
