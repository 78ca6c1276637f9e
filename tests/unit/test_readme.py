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
