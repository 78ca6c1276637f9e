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
    groups = re.findall(r'<g id="node\d+" class="node">(.*?)</g>', html, re.DOTALL)
    return {re.search(r"<title>(.*?)</title>", g).group(1): g for g in groups}


def test_the_map_draws_every_node_key_and_target(client):
    response = client.get("/map")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    nodes = svg_nodes(html)
    hotline = load_hotline(ROOT / "prompts", ROOT / "data")
    assert set(hotline.script.nodes) <= set(nodes)
    edges = re.findall(r'<g id="edge\d+" class="edge">\s*<title>(.*?)</title>(.*?)</g>', html, re.DOTALL)
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


def drawn(html: str) -> set[tuple[str, str]]:
    """Every edge drawn, as (source, target)."""
    titles = re.findall(r'<g id="edge\d+" class="edge">\s*<title>(.*?)</title>', html)
    return {tuple(title.replace("&#45;&gt;", "->").replace("&#45;", "-").split("->", 1)) for title in titles}


def test_the_password_leads_back_to_the_answers_that_asked_for_it(client):
    edges = drawn(client.get("/map").get_data(as_text=True))
    after_password = {target for source, target in edges if source == "ask_password"}
    assert after_password == {"balance", "payments", "password_help", "ask_password"}
    # The main action is the main menu itself, not an oval of its own; the help menu's 1 goes back to its entries.
    assert ("ask_password", "main") not in edges
    assert {target for source, target in edges if source == "entry_help"} >= {"ask_id", "rebate_area_code", "rebate_age"}


def test_each_node_and_action_is_drawn_once(client):
    html = client.get("/map").get_data(as_text=True)
    groups = re.findall(r'<g id="node\d+" class="node">\s*<title>(.*?)</title>(.*?)</g>', html, re.DOTALL)
    first_lines = [re.findall(r"<text[^>]*>(.*?)</text>", body)[0] for _, body in groups]
    assert len(first_lines) == len(set(first_lines)), first_lines
    assert not [title for title, _ in groups if title != "main" and first_lines[[t for t, _ in groups].index(title)] == "main"]
    # The operators' titles name the nodes.
    assert "输入密码" in svg_nodes(html)["ask_password"]


def test_no_text_is_smaller_than_12_points_nor_shrunk(client):
    html = client.get("/map").get_data(as_text=True)
    sizes = [float(size) for size in re.findall(r'font-size="([0-9.]+)"', html)]
    assert sizes and min(sizes) >= 12
    assert "max-width: 100%" not in html


def test_the_cli_writes_where_it_is_told_and_never_into_the_current_folder(tmp_path, monkeypatch):
    from ivr.web import menumap

    monkeypatch.setattr(menumap, "DEFAULT_OUTPUT", tmp_path / "temporary" / "menumap.html")
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = CliRunner().invoke(main, ["map"])
    assert result.exit_code == 0, result.output
    assert list(here.iterdir()) == []
    assert (tmp_path / "temporary" / "menumap.html").exists()
    assert str(tmp_path / "temporary" / "menumap.html") in result.output
