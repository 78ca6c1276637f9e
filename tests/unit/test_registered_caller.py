"""A caller from the mobile registered on an account is asked, once a call, whether they are its insured person, and
on yes only for the password; the engine with the in-memory backend, and what `ivr check` says of the question."""

import shutil
from pathlib import Path

import pytest

from ivr.content.version import load_hotline
from ivr.core.engine import Engine
from ivr.core.events import DialEnded, Keys
from ivr.core.replies import Dial, Reply
from ivr.core.state import State
from tests.unit.test_check import edit, found, project  # noqa: F401  (fixture)
from tests.unit.test_engine import NOW, MemoryBackend

ROOT = Path(__file__).resolve().parents[2]
HOTLINE = load_hotline(ROOT / "prompts", ROOT / "data")
SCRIPT = HOTLINE.script
BACKEND = MemoryBackend()
# Each registered number with the one account it is registered on; a number on several accounts is left out.
OWNERS = {mobile: BACKEND.accounts[refs[0]] for mobile, refs in BACKEND.mobiles.items() if len(refs) == 1}
SHARED = [mobile for mobile, refs in BACKEND.mobiles.items() if len(refs) > 1]
UNREGISTERED = "+8613900000000"
# The question as prompts/menus.yaml has it, for the copies the tests edit.
CONFIRM_PROMPT = '    prompt: "是{id_tail}本人吗？是按1，不是按2。"'
CONFIRM_OPTIONS = '      "1": its_me\n      "2": not_me\n'


def confirm_prompt(id_number: str) -> str:
    return SCRIPT.nodes[SCRIPT.settings.confirm].prompt.format(id_tail=SCRIPT.reader.id_tail(id_number))


def call(caller: str, hotline=HOTLINE) -> tuple[Engine, State, Reply]:
    """A call from `caller` that has just asked for the balance, and what it heard."""
    engine = Engine(hotline, MemoryBackend(), caller=caller)
    state, _ = engine.start("+861012393", NOW)
    return engine, state, engine.step(state, Keys("1"), NOW)


def test_the_demo_data_has_registered_numbers_and_a_shared_one():
    assert len(OWNERS) >= 2 and SHARED
    assert any(account.id_number.endswith("X") for account in OWNERS.values())


@pytest.mark.parametrize("mobile", sorted(OWNERS))
def test_a_registered_caller_hears_the_tail_then_keys_only_the_password(mobile):
    account = OWNERS[mobile]
    engine, state, reply = call(mobile)
    assert reply.says == (confirm_prompt(account.id_number),)
    # The tail is read digit by digit, an X as the reading lexicon reads it; nothing else of the account is said.
    assert SCRIPT.reader.digits(account.id_number[-4:]) in reply.says[0]
    assert engine.step(state, Keys("1"), NOW).says == (SCRIPT.nodes["ask_password"].prompt,)
    assert state.pending == BACKEND.reference(account.id_number)
    password = {"110101196106080024": "111111", "11010519491231002X": "666666"}[account.id_number]
    reply = engine.step(state, Keys(password), NOW)
    assert reply.node == "balance"
    assert SCRIPT.reader.amount(account.balance) in "".join(reply.says)


@pytest.mark.parametrize("mobile", [UNREGISTERED, "", *SHARED])
def test_other_numbers_are_asked_for_the_id(mobile):
    _, state, reply = call(mobile)
    assert reply.says == (SCRIPT.nodes["ask_id"].prompt,)
    assert state.node == SCRIPT.settings.identify


def test_no_leads_to_the_id_and_the_question_is_not_asked_again_in_the_call():
    engine, state, _ = call("+8613900000065")
    assert engine.step(state, Keys("2"), NOW).says == (SCRIPT.nodes["ask_id"].prompt,)
    assert state.pending is None
    # Back at the main menu by way of a busy agent's menu, the caller asks for the balance again.
    assert isinstance(engine.step(state, Keys("0"), NOW).then, Dial)
    engine.step(state, DialEnded(answered=False), NOW)
    engine.step(state, Keys(SCRIPT.settings.keys.main), NOW)
    # The call's state goes through storage between steps: what it holds must be enough.
    state = State.from_dict(state.to_dict(), HOTLINE)
    assert engine.step(state, Keys("1"), NOW).says == (SCRIPT.nodes["ask_id"].prompt,)


def test_a_locked_account_hears_the_lock_after_yes():
    engine, state, _ = call("+8613900000065")
    engine.backend.locked.add(BACKEND.reference("110101196106080024"))
    reply = engine.step(state, Keys("1"), NOW)
    assert SCRIPT.messages.locked in reply.says
    assert state.pending is None and state.node == SCRIPT.settings.start


def test_the_question_repeats_with_the_tail():
    engine, state, _ = call("+8613900000065")
    assert engine.step(state, Keys("*"), NOW).says == (confirm_prompt("110101196106080024"),)
    assert engine.step(state, Keys("3"), NOW).says[-1] == confirm_prompt("110101196106080024")


def test_without_settings_confirm_every_caller_is_asked_for_the_id(tmp_path):
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    edit(tmp_path, "prompts/settings.yaml", "  confirm: confirm_caller\n", "")
    edit(tmp_path, "prompts/menus.yaml", CONFIRM_PROMPT, '    prompt: "返回主菜单请按1。"')
    edit(tmp_path, "prompts/menus.yaml", CONFIRM_OPTIONS, '      "1": main\n')
    _, _, reply = call("+8613900000065", load_hotline(tmp_path / "prompts", ROOT / "data"))
    assert reply.says == (SCRIPT.nodes["ask_id"].prompt,)


CASES = [
    # (file, old, new, code of the one problem found)
    ("prompts/settings.yaml", "  confirm: confirm_caller", "  confirm: confirm_callre", "no_such_node"),
    ("prompts/settings.yaml", "  confirm: confirm_caller", "  confirm: ask_id", "confirm_not_menu"),
    ("prompts/settings.yaml", "  identify: ask_id", "  identify: rebate_age", "confirm_needs_id_input"),
    ("prompts/menus.yaml", CONFIRM_PROMPT, '    prompt: "您是参保人吗？是请按1，不是请按2。"', "placeholder_not_said"),
    ("prompts/menus.yaml", CONFIRM_OPTIONS, '      "1": its_me\n      "2": main\n', "confirm_option_missing"),
    ("prompts/menus.yaml", '      "1": {go: rebate, set: {region: line}}', '      "1": its_me', "caller_action_here"),
    ("prompts/menus.yaml", '    greeting: "医保热线', '    greeting: "{id_tail}医保热线', "id_tail_here"),
    ("prompts/menus.yaml", '    prompt: "请按键输入密码', '    prompt: "{id_tail}请按键输入密码', "unknown_placeholder"),
    ("data/accounts.yaml", "  mobile: '+8613900000065'", "  mobile: '13900000065'", "not_a_mobile"),
    ("data/accounts.yaml", "  mobile: '+8613900000065'", "  mobile: '+86 139 0000 0065'", "not_a_mobile"),
]


@pytest.mark.parametrize("name, old, new, code", CASES, ids=[f"{case[3]}-{i}" for i, case in enumerate(CASES)])
def test_ivr_check_finds_each_mistake_in_the_question(project, name, old, new, code):
    edit(project, name, old, new)
    # Warnings may follow (a misnamed question is unreachable); the one error is the mistake made.
    problems = [problem for problem in found(project) if not problem[4]]
    assert [p[3] for p in problems] == [code], problems
    # Each is told at a line of the file that was edited, and no message repeats the mobile number.
    assert problems[0][0] == Path(name).name


def test_a_mobile_number_is_never_in_a_check_message(project):
    from ivr.content.checks import check

    edit(project, "data/accounts.yaml", "  mobile: '+8613900000065'", "  mobile: '+86 139 0000 0065'")
    (problem,) = check(project / "prompts", project / "data").problems
    assert "0065" not in problem.message + problem.zh
