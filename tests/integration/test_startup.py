"""A broken edit at start-up is reported as file:line with what is wrong, not a traceback."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def prompts(tmp_path, monkeypatch):
    folder = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", folder)
    monkeypatch.setenv("IVR_PROMPTS", str(folder))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


@pytest.mark.parametrize("old, new, fragment, message", [
    ('      "3": {go: rebate,', '      "3": {go: [rebate,', '"3": {go: [rebate', "YAML syntax"),
    ('      "3": {go: rebate,', '      "3": {go: rebat,', '"3": {go: rebat,', "there is no node called 'rebat'"),
    ("    greeting: ", "    greting: ", "greting:", "unknown field 'greting'"),
    ('您输入了{count}位', '您输入了{cnt}位', "{cnt}", "the placeholder {cnt} is not provided here"),
])
def test_serve_reports_file_line_and_what_is_wrong(prompts, old, new, fragment, message):
    menus = prompts / "menus.yaml"
    edit(menus, old, new)
    result = CliRunner().invoke(main, ["serve", "--port", "0"])
    assert result.exit_code == 2
    line = line_of(menus, fragment)
    assert f"menus.yaml:{line}:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output
