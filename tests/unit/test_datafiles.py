"""Every kind of mistake in data/accounts.yaml, lines.yaml and regions.yaml is told at its file and line, with a code.

Each case breaks a copy of the shipped files one way and asserts what `ivr check` finds: the file, the line of the
mistake and the message code (ivr/content/checkmessages.yaml), and that nothing escapes as a traceback.
"""

import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.content.accounts import load_accounts
from ivr.content.checks import check_data
from ivr.content.lines import load_lines
from ivr.content.regions import load_regions
from ivr.content.yamlsource import MAX_BYTES, SourceError, read

ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = ("accounts.yaml", "lines.yaml", "regions.yaml")

# Nine lines whose aliases expand to a billion values: "billion laughs".
BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    return next(number for number, line in enumerate(lines, 1) if fragment in line)


def found(project: Path) -> list[tuple[str, int, str]]:
    """(file, line, code) of every error `ivr check` finds in data/."""
    return [(Path(p.mark.file).name, p.mark.line, p.code) for p in check_data(project / "data") if not p.warning]


ACCOUNT = "  balance: '5678.90'\n"

CASES = [
    # (file, old, new, a fragment of the line the mistake is on after the edit, code)
    ("accounts.yaml", ACCOUNT, "  balance: [5678]\n", "balance: [5678]", "wrong_type"),
    ("accounts.yaml", "  months_paid_before: 168\n", "  months_paid_before: lots\n", "lots", "wrong_type"),
    ("accounts.yaml", "  region: shenzhen\n" + ACCOUNT, "  region: shenzhen\n", "440305198503150016", "missing_field"),
    ("accounts.yaml", "  months_paid_before: 168\n", "  months_paid_befor: 168\n", "months_paid_befor: 168", "unknown_field"),
    ("accounts.yaml", "'440305198503150016'", "'440305198503150017'", "440305198503150017", "bad_id_number"),
    ("accounts.yaml", "'110101196106080024'", '"440305198503150016"', '"440305198503150016"', "id_twice"),
    ("accounts.yaml", "  as_of: '2026-11-20'\n  last_credit: {date: '2026-11-15'",
     "  as_of: '2026-13-20'\n  last_credit: {date: '2026-11-15'", "2026-13-20", "not_a_date"),
    ("accounts.yaml", ACCOUNT, "  balance: '5,678.90'\n", "5,678.90", "wrong_type"),
    ("accounts.yaml", "{date: '2026-11-15', amount: '240'}", "{date: '2026-11-15', amount: '-240'}", "'-240'", "too_small"),
    ("accounts.yaml", "  password: '123456'\n", "  password: 0123456\n", "0123456", "converted_value"),
    ("accounts.yaml", "  password: '123456'\n", "  password: '12345x'\n", "12345x", "password_digits"),
    ("accounts.yaml", "  password: '123456'\n", "", "440305198503150016", "one_password"),
    ("accounts.yaml", "  scheme: employee\n  status: working\n  region: shenzhen\n",
     "  scheme: employe\n  status: working\n  region: shenzhen\n", "  scheme: employe", "not_one_of"),
    ("accounts.yaml", "  region: shenzhen\n" + ACCOUNT, "  region: shenzen\n" + ACCOUNT, "shenzen", "account_region_unknown"),
    ("accounts.yaml", "  locked: true\n", "  locked: yes\n", "locked: yes", "wrong_type"),
    ("lines.yaml", '{days: weekdays, start: "14:30"', '{days: weekdays, start: 14:30', "start: 14:30", "converted_value"),
    ("lines.yaml", '{days: weekdays, start: "08:00"', '{days: workdays, start: "08:00"', "workdays", "not_one_of"),
    ("lines.yaml", 'start: "08:00", end: "12:00"', 'start: "08:00", end: "07:00"', '"07:00"', "end_before_start"),
    ("lines.yaml", 'start: "08:00", end: "12:00"', 'start: "08:00", end: "noon"', '"noon"', "not_a_time"),
    ("lines.yaml", "      hours: always", "      hours: sometimes", "sometimes", "not_one_of"),
    ("lines.yaml", "timezone: Asia/Shanghai", "timezone: Asia/Shangai", "Asia/Shangai", "unknown_timezone"),
    ("lines.yaml", '      number: "+862165550100"\n', "", "hours: always", "missing_field"),
    ("lines.yaml", '      number: "+862165550100"\n', '      numbr: "+862165550100"\n', "numbr", "unknown_field"),
    ("lines.yaml", 'numbers: ["+862112393", "+862112333"]', 'numbers: [+862112393, "+862112333"]', "+862112393,", "converted_value"),
    ("regions.yaml", "year: 2025", "year: 1925", "year: 1925", "too_small"),
    ("regions.yaml", 'name: 北京\n    sources: ["000", "001", "003"]', 'name: 北京\n    sources: ["0", "001", "003"]', 'sources: ["0",', "not_a_seed"),
    ("regions.yaml", "credit: {every: month, day: 5, when: by}", "credit: {every: month, day: 35, when: by}", "day: 35", "too_large"),
    ("regions.yaml", "credit: {every: month, day: 5, when: by}", "credit: {every: month, day: 5, when: soon}", "when: soon", "not_one_of"),
    ("regions.yaml", "credit: {every: month, day: 5, when: by}", "credit: {every: year, day: 5, when: by}", "every: year, day: 5", "credit_needs_month"),
    ("regions.yaml", '        - {from_age: 70, amount: "110"}', '        - {from_age: 72, amount: "110"}', "from_age: 72", "tiers_gap"),
    ("regions.yaml", '        - {from_age: 70, amount: "110"}', '        - {from_age: 70, to_age: 99, amount: "110"}', "to_age: 99", "tiers_last"),
    ("regions.yaml", '      amount: "70"', '      amount: "seventy"', "seventy", "wrong_type"),
    ("regions.yaml", '      form: fixed\n      period: month\n      amount: "70"', '      form: fixd\n      period: month\n      amount: "70"',
     "form: fixd", "not_one_of"),
    ("regions.yaml", 'area_codes: ["010"]', 'area_codes: ["10x"]', '"10x"', "not_an_area_code"),
    ("regions.yaml", 'area_codes: ["010"]', "area_codes: [ ]", "area_codes: [ ]", "no_area_code"),
    ("regions.yaml", "  national:\n", "  nationwide:\n", "nationwide:", "no_national"),
]


@pytest.mark.parametrize("name, old, new, fragment, code", CASES, ids=[f"{c[0]}-{c[4]}-{i}" for i, c in enumerate(CASES)])
def test_each_data_mistake_is_found_at_its_line(project, name, old, new, fragment, code):
    path = project / "data" / name
    edit(path, old, new)
    assert (name, line_of(path, fragment), code) in found(project)


def _append(text: str, tail: str) -> str:
    return text + tail


# (how the file is broken, code, the line of the mistake: a fragment of it or a number)
YAML_BREAKS = [
    ("not_utf8", lambda text: "\n".join(text.split("\n")[:3] + ["\xff MARK"] + text.split("\n")[3:]), "MARK"),
    ("tab_indent", lambda text: _append(text, "extra:\n\tvalue: 1  # TAB\n"), "TAB"),
    ("unclosed_quote", lambda text: _append(text, 'extra: "never closed  # QUOTE\nmore: 1\n'), "QUOTE"),
    ("alias_loop", lambda text: _append(text, "loop: &loop [1, *loop]  # LOOP\n"), "LOOP"),
    ("too_many_aliases", lambda text: BILLION_LAUGHS, 1),
    ("too_big", lambda text: text + ("# padding\n" * (MAX_BYTES // 10 + 1)), 1),
    ("too_deep", lambda text: "x: " + "[" * 5000 + "]" * 5000 + "\n", 1),
    ("yaml_character", lambda text: _append(text, "extra: 'a\x07b'  # BELL\n"), "BELL"),
    ("duplicate_key", lambda text: _append(text, "extra: 1\nextra: 2  # TWICE\n"), "TWICE"),
]


@pytest.mark.parametrize("name", DATA_FILES)
@pytest.mark.parametrize("code, breaking, where", YAML_BREAKS, ids=[b[0] for b in YAML_BREAKS])
def test_each_unreadable_data_file_is_refused_at_its_line(project, name, code, breaking, where):
    path = break_file(project / "data" / name, breaking)
    line = where if isinstance(where, int) else line_of(path, where)
    assert (name, line, code) in found(project)


def break_file(path: Path, breaking) -> Path:
    broken = breaking(path.read_text(encoding="utf-8"))
    # The not-UTF-8 case writes a lone byte 0xff, which no UTF-8 text holds.
    path.write_bytes(broken.encode("utf-8").replace("\xff".encode("utf-8"), b"\xff"))
    return path


def test_ivr_check_prints_each_broken_data_file_at_its_line_without_a_traceback(project):
    breaks = dict(zip(DATA_FILES, [YAML_BREAKS[0], YAML_BREAKS[3], YAML_BREAKS[4]]))
    for name, (_, breaking, where) in breaks.items():
        break_file(project / "data" / name, breaking)
    result = CliRunner().invoke(main, ["check", str(project)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for name, (_, _, where) in breaks.items():
        line = where if isinstance(where, int) else line_of(project / "data" / name, where)
        assert f"{name}:{line}:" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("loader", [load_regions, load_lines, lambda path: load_accounts(path, None)],
                         ids=["regions", "lines", "accounts"])
def test_the_loaders_raise_only_source_errors(tmp_path, loader):
    for content in (b"\xff\xfe", b"a: &a [*a]\n", BILLION_LAUGHS.encode(), b"- a\n- list\n", b"", b"x: [\n"):
        path = tmp_path / "data.yaml"
        path.write_bytes(content)
        with pytest.raises(SourceError):
            loader(path)
    with pytest.raises(SourceError, match="cannot read the file"):
        loader(tmp_path / "missing.yaml")


def test_a_billion_laughs_is_refused_fast_and_small(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    assert path.stat().st_size < 400
    started = time.perf_counter()
    with pytest.raises(SourceError) as caught:
        read(path)
    elapsed = time.perf_counter() - started
    assert caught.value.code == "too_many_aliases"
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    # Measured apart, because tracing every allocation slows the reading down several times over.
    tracemalloc.start()
    try:
        with pytest.raises(SourceError):
            read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, f"peaked at {peak / 1e6:.1f} MB"


def test_a_few_aliases_still_work(tmp_path):
    path = tmp_path / "aliases.yaml"
    path.write_text("hours: &office [{days: weekdays}]\nother: *office\n", encoding="utf-8")
    assert read(path).data == {"hours": [{"days": "weekdays"}], "other": [{"days": "weekdays"}]}


def test_when_on_stays_the_word_in_data_but_prompts_keep_yaml_booleans(tmp_path):
    path = tmp_path / "words.yaml"
    path.write_text("when: on\nflag: true\nkey: no\n", encoding="utf-8")
    assert read(path, true_false_only=True).data == {"when": "on", "flag": True, "key": "no"}
    assert read(path).data == {"when": True, "flag": True, "key": False}


def test_an_id_number_is_never_shown_whole(project):
    path = project / "data" / "accounts.yaml"
    edit(path, "'110101196106080024'", '"440305198503150016"')
    result = CliRunner().invoke(main, ["check", str(project)])
    assert "id_twice" not in result.output and "440305198503150016" not in result.output
    assert "440305********0016" in result.output
