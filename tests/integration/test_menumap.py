"""The menu map: every node, key and target drawn; unreachable nodes stand out; served at /map and by `ivr map`."""

import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from ivr.cli import main
from ivr.content.version import load_hotline
from ivr.web.menumap import page

ROOT = Path(__file__).resolve().parents[2]


def svg_nodes(html: str) -> dict[str, str]:
    """Graphviz's <title> of every drawn node, with the node's whole SVG group."""
    groups = re.findall(r'<g id="node\d+" class="node">(.*?)</g>', html, re.S)
    return {re.search(r"<title>(.*?)</title>", g).group(1): g for g in groups}


def test_the_map_draws_every_node_key_and_target(client):
    response = client.get("/map")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    nodes = svg_nodes(html)
    hotline = load_hotline(ROOT / "prompts", ROOT / "data")
    assert set(hotline.script.nodes) <= set(nodes)
    edges = re.findall(r'<g id="edge\d+" class="edge">\s*<title>(.*?)</title>(.*?)</g>', html, re.S)
    drawn = {(title.replace("&#45;&gt;", "->"), re.sub(r"<[^>]+>", "", body).strip()) for title, body in edges}
    assert ("main->balance", "1") in {(t, b.split()[-1]) for t, b in drawn}
    assert ("rebate_where->rebate_area_code", "2") in {(t, b.split()[-1]) for t, b in drawn}
    assert any(t.startswith("balance->ask_id") for t, _ in drawn)
    assert "UNREACHABLE" not in "".join(nodes.values())


def test_an_unreachable_node_stands_out(tmp_path):
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    menus = tmp_path / "prompts" / "menus.yaml"
    menus.write_text(menus.read_text(encoding="utf-8").replace('      "2": {go: payments, label: 缴费记录}\n', ""), encoding="utf-8")
    html = page(load_hotline(tmp_path / "prompts", ROOT / "data"))
    nodes = svg_nodes(html)
    assert "UNREACHABLE" in nodes["payments"] and "#c0392b" in nodes["payments"]
    assert "UNREACHABLE" not in nodes["balance"]
    assert 'class="unreachable" id="node-payments"' in html


def test_the_cli_writes_the_page(tmp_path):
    output = tmp_path / "map.html"
    result = CliRunner().invoke(main, ["map", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "ask_password" in svg_nodes(output.read_text(encoding="utf-8"))


def test_the_status_reports_the_version(client, app):
    status = client.get("/map/status.json").get_json()
    assert status["version"] == app.extensions["ivr.versions"]().version != ""
    assert status["error"] is None
