"""A copy of prompts/ whose menu tree has a given number of nodes, for measuring cost against menu size."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# The generated tree hangs under this key of the main menu; the scripted calls visit its root and come back.
# Its menus use the keys that mean nothing else: not the global * 0 9, nor the payments' paging keys 6 and 4, nor the
# answers' key 8 (send the answer as a text message), which `ivr check` keeps to one meaning everywhere.
ENTRY_KEY = "5"
ROOT_NODE = "gen_0"
OPTION_KEYS = "12357"


def make_prompts(folder: Path, total_nodes: int) -> Path:
    """Copy prompts/ into folder and grow the tree to total_nodes nodes, each menu as wide as OPTION_KEYS."""
    shutil.copytree(ROOT / "prompts", folder)
    menus = folder / "menus.yaml"
    base = yaml.safe_load(menus.read_text(encoding="utf-8"))["nodes"]
    extra = max(2, total_nodes - len(base))
    text = menus.read_text(encoding="utf-8")
    anchor = '      "3": {go: rebate, label: 返钱标准}\n'
    assert text.count(anchor) == 1, "the main menu's option 3 moved; update bench/menus.py"
    # The main menu's prompts are built from its options' labels, so the new key is one option with its label.
    menus.write_text(text.replace(anchor, anchor + f'      "{ENTRY_KEY}": {{go: {ROOT_NODE}, label: 测试菜单}}\n'),
                     encoding="utf-8")
    nodes = {}
    for index in range(extra):
        width = len(OPTION_KEYS)
        children = [child for child in range(index * width + 1, (index + 1) * width + 1) if child < extra]
        name = f"gen_{index}"
        if children:
            # Every menu says each of its keys and how to go home (key 9): what `ivr check --strict`, and so every
            # start, asks of a menu.
            options = {key: f"gen_{child}" for key, child in zip(OPTION_KEYS, children)}
            said = "，".join(f"{target}按{key}" for key, target in options.items())
            nodes[name] = {"type": "menu", "prompt": f"菜单{index}：{said}，主菜单按9。", "options": options}
        else:
            nodes[name] = {"type": "say", "text": f"leaf {index}", "next": "main"}
    (folder / "generated.yaml").write_text(yaml.safe_dump({"nodes": nodes}, allow_unicode=True), encoding="utf-8")
    return folder
