"""The README tells a newcomer the truth: its first commands and its settings table follow the code."""

import re
from pathlib import Path

from ivr.config import SETTINGS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
CI = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_starts_with_the_run_and_test_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1).splitlines()
    assert first_block[0].split("#")[0].strip().endswith("ivr serve")
    assert first_block[1].split("#")[0].strip().endswith("python -m pytest")


def test_ci_runs_the_readme_test_command():
    test_command = re.search(r"```sh\n.*?\n(.*?)\s+#", README, re.S).group(1).strip()
    assert test_command in CI


def test_every_setting_is_in_the_settings_table():
    table = {m.group(1) for m in re.finditer(r"^\| `([A-Z_]+)` \|", README, re.M)}
    assert table == {setting.name for setting in SETTINGS}


def _key_table() -> dict[str, str]:
    rows = re.search(r"^\| key \| what they hear \|\n\|---\|---\|\n((?:\|.*\n)+)", README, re.M).group(1)
    return {cells[0].strip(): cells[1].strip() for cells in (row.strip("|").split("|") for row in rows.splitlines())}


def test_the_key_table_matches_the_menus():
    from ivr.content.prompts import load_script

    script = load_script(Path(__file__).resolve().parents[2] / "prompts")
    table = _key_table()
    keys = script.settings.keys
    assert table[keys.repeat].startswith("repeat")
    assert table[keys.main].startswith("back to the main menu")
    assert table[keys.agent].startswith("a human agent")
    main = {key: getattr(target, "go", target) for key, target in script.nodes["main"].options.items()}
    assert {main["1"], main["2"], main["3"]} == {"balance", "payments", "rebate"}
    assert table["1"].startswith("the personal-account balance") and table["2"].startswith("payment records")
    paging = {target: key for key, target in script.nodes["payments"].options.items()}
    assert table[f"{paging['next_page']} / {paging['previous_page']}"].startswith("next / previous page")
    assert "2 after a rebate answer" in table and script.nodes["rebate"].options["2"] == "other_region"
