"""Operators' scenarios: the shipped ones pass through the real webhooks, and a broken expectation is reported."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.tools.scenarios import load, run_all

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "prompts" / "scenarios"


def test_every_shipped_scenario_passes():
    outcomes = run_all(ROOT / "prompts", ROOT / "data", SHIPPED)
    assert len(outcomes) == len(load(SHIPPED)) >= 15
    failed = {o.name: (o.missing, o.transcript) for o in outcomes if not o.passed}
    assert failed == {}


def test_the_scenarios_cover_every_node_and_answer():
    """Every node of the shipped menus is visited by some scenario (checked through the keys they press)."""
    text = "".join(path.read_text(encoding="utf-8") for path in SHIPPED.glob("*.yaml"))
    for phrase in ("请输入您的年龄", "请输入要查询地区的长途区号", "请输入六位服务密码", "已被锁定", "第二页", "人工坐席正忙", "休息时间"):
        assert phrase in text


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(
        "scenarios:\n"
        "  - name: balance heard wrong\n"
        '    call: "+861012393"\n'
        "    steps:\n"
        '      - press: "1"\n'
        '      - press: "440305198503150016#"\n'
        '      - press: "123456#"\n'
        '      - hear: ["验证通过", "余额为一百元整"]\n',
        encoding="utf-8",
    )
    return path


def test_a_missing_phrase_fails_with_the_transcript(scenario):
    result = CliRunner().invoke(main, ["test", str(scenario)])
    assert result.exit_code == 1
    assert "FAIL/未通过: balance heard wrong" in result.output
    # The transcript shows what was said instead, and the phrase that was missing.
    assert "余额为五千六百七十八元九角" in result.output
    assert "did not hear 余额为一百元整" in result.output
    assert "0 passed, 1 failed" in result.output


def test_a_passing_file_exits_zero(scenario):
    text = scenario.read_text(encoding="utf-8").replace("余额为一百元整", "余额为五千六百七十八元九角")
    scenario.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(scenario)])
    assert result.exit_code == 0, result.output
    assert "PASS/通过: balance heard wrong" in result.output


def test_a_misspelt_step_is_reported_with_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text('scenarios:\n  - name: x\n    call: "+861012393"\n    steps:\n      - pres: "1"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 2
    assert f"{path}:5:" in result.output
    assert "Traceback" not in result.output
