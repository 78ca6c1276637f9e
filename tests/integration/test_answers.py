"""Balance, payment records and rebate rules, as the caller hears them."""

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from ivr import create_app
from ivr.content.version import load_hotline
from ivr.tools.phone import Phone
from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = load_hotline(ROOT / "prompts", ROOT / "data").script
READ = SCRIPT.reader
REBATE = SCRIPT.answers.rebate
ANSWERS = SCRIPT.answers

AFTER_BALANCE = "重听请按1，返回主菜单请按9，人工服务请按0。"
AFTER_REBATE = "重听请按1，查询其他地区请按2，返回主菜单请按9，人工服务请按0。"
WHO = "只有办理了职工医保退休手续的人员才有这项划入，城乡居民医保没有个人账户。"


def verified(caller, id_number, password, key, **line):
    c = caller(**line)
    c.dial()
    c.press(key)
    # A trailing X is keyed as *.
    c.press(id_number.replace("X", "*") + "#")
    heard = c.press(password + "#")
    assert heard[0] == "验证通过。"
    return c


# Balance.

def test_balance_is_read_like_a_teller(caller):
    c = verified(caller, "110101196106080024", "111111", "1")
    assert c.heard == [
        "验证通过。",
        "截至二零二六年十一月二十日，您的医保个人账户余额为一千二百三十四元五角六分。",
        "最近一次入账是二零二六年十一月四日，入账九十七元整。",
        AFTER_BALANCE,
    ]


def test_balance_repeats_on_one(caller):
    c = verified(caller, "440305198503150016", "123456", "1")
    assert c.press("1") == [
        "截至二零二六年十一月二十日，您的医保个人账户余额为五千六百七十八元九角。",
        "最近一次入账是二零二六年十一月十五日，入账二百四十元整。",
        AFTER_BALANCE,
    ]


def test_a_resident_member_is_told_there_is_no_personal_account(caller):
    c = verified(caller, "620102199001200026", "444444", "1")
    assert c.heard[1] == "您参加的是城乡居民医保。居民医保不设个人账户，所以没有个人账户余额。"


def test_no_arabic_digits_reach_the_voice_in_answers(caller):
    c = verified(caller, "11010519491231002X", "666666", "1")
    answer = "".join(c.heard[1:-1])
    assert not any(ch.isdigit() for ch in answer)


# Accounts only these tests need, added to a copy of the demo data: one in arrears, one paid for under a year.
EXTRA_ACCOUNTS = """
- id_number: '110101196001010038'
  label: overdrawn
  scheme: employee
  status: working
  region: beijing
  balance: '-56.00'
  as_of: '2026-11-20'
  password: '777777'
- id_number: '110101199506150048'
  label: paid for two months
  scheme: employee
  status: working
  region: beijing
  balance: '40.00'
  as_of: '2026-11-20'
  records:
  - {month: 2026-10, base: '2000', individual: '40.00', employer: '160.00', credited: '40.00'}
  - {month: 2026-09, base: '2000', individual: '40.00', employer: '160.00', credited: '40.00'}
  - {month: 2026-08, unpaid: true}
  password: '888888'
"""


@pytest.fixture
def extra_caller(tmp_path, clock):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    with open(tmp_path / "data" / "accounts.yaml", "a", encoding="utf-8") as accounts:
        accounts.write(EXTRA_ACCOUNTS)
    app = create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "IVR_DATA": str(tmp_path / "data"),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.sqlite'}", "CLOCK": clock})
    client = app.test_client()
    return lambda **line: Phone(client, TOKEN, **line)


def test_a_balance_below_zero_is_read_as_arrears(extra_caller):
    c = verified(extra_caller, "110101196001010038", "777777", "1")
    owed = READ.amount(56, alone=True)
    assert c.heard[1] == ANSWERS.balance.overdrawn.format(as_of=READ.date(dt.date(2026, 11, 20)), amount=owed)
    # The caller hears qian-fei and the sum owed, never a minus sign.
    assert READ.lexicon["minus"] not in c.heard[1] and owed.endswith(READ.lexicon["whole"])


# Payment records.

def test_under_a_year_of_payments_is_said_in_months_alone(extra_caller):
    c = verified(extra_caller, "110101199506150048", "888888", "2")
    assert c.heard[1:3] == [ANSWERS.payments.total_months.format(months=READ.count(2)),
                            ANSWERS.payments.gaps.format(count=READ.count(1))]
    # No zero years (ling nian), and two months is liang ge yue.
    assert READ.digit_words[0] not in c.heard[1] and READ.lexicon["two"] in c.heard[1]


PAGE_KEYS_FIRST = "下一页请按1，重听请按星号键，返回主菜单请按9，人工服务请按0。"
PAGE_KEYS_MIDDLE = "下一页请按1，上一页请按2，重听请按星号键，返回主菜单请按9，人工服务请按0。"
PAGE_KEYS_LAST = "上一页请按2，重听请按星号键，返回主菜单请按9，人工服务请按0。"
# Only the last amount ends the sentence, so only it takes zheng.
PAID = "缴费基数七千元，个人缴纳一百四十元，单位缴纳五百六十元，划入个人账户一百四十元整。"


def test_payment_records_page_both_ways_with_unpaid_months(caller):
    c = verified(caller, "500103197911020032", "555555", "2")
    assert c.heard == [
        "验证通过。",
        "您累计缴费十六年五个月。",
        "下面的记录中有三个月断缴。",
        "二零二六年十月，" + PAID,
        "二零二六年九月，" + PAID,
        "二零二六年八月，" + PAID,
        "第一页，共四页。",
        PAGE_KEYS_FIRST,
    ]
    assert c.press("1") == [
        "二零二六年七月，没有缴费，是断缴月份。",
        "二零二六年六月，没有缴费，是断缴月份。",
        "二零二六年五月，" + PAID,
        "第二页，共四页。",
        PAGE_KEYS_MIDDLE,
    ]
    c.press("1")
    assert c.press("1") == ["二零二六年一月，" + PAID, "第四页，共四页。", PAGE_KEYS_LAST]
    assert c.press("1") == ["已经是最后一页了。", PAGE_KEYS_LAST]
    assert c.press("2")[0] == "二零二六年四月，" + PAID
    c.press("2")
    assert c.press("2")[0] == "您累计缴费十六年五个月。"
    assert c.press("2") == ["已经是第一页了。", PAGE_KEYS_FIRST]
    # Star re-reads the page the caller is on.
    assert c.press("*")[0] == "您累计缴费十六年五个月。"


def test_paging_starts_again_at_the_newest_month(caller):
    c = verified(caller, "500103197911020032", "555555", "2")
    c.press("1")
    c.press("9")
    assert c.press("2")[0] == "您累计缴费十六年五个月。"


def test_whole_years_and_a_single_page(caller):
    c = verified(caller, "440305198503150016", "123456", "2")
    assert c.heard[1] == "您累计缴费十五年。"
    c = verified(caller, "11010519491231002X", "666666", "2")
    assert c.heard[-1] == "重听请按星号键，返回主菜单请按9，人工服务请按0。"
    assert "第一页" not in c.said


def test_resident_payments_are_yearly(caller):
    c = verified(caller, "620102199001200026", "444444", "2")
    assert c.heard[1:5] == [
        "您累计缴费四年。",
        "二零二六年度，个人缴纳居民医保费四百元整。",
        "二零二五年度，个人缴纳居民医保费四百元整。",
        "二零二四年度，个人缴纳居民医保费三百八十元整。",
    ]


# Rebate rules.

def ask_rebate(caller, code, age=None, **line):
    c = caller(**line)
    c.dial()
    c.press("3")
    c.press("2")
    heard = c.press(code + "#")
    if age is not None:
        assert heard == [f"{heard[0][:2]}的标准和年龄有关。请输入您的年龄，以井号键结束。"]
        heard = c.press(f"{age}#")
    return c, heard


# Facts per region: (area code, age keyed, region name, sums the caller must hear, whether they are estimates).
REGION_FACTS = [
    ("010", 65, "北京", ["100", "3", "97"], False),
    ("010", 72, "北京", ["110", "3", "107"], False),
    ("021", 74, "上海", ["1680", "140"], False),
    ("021", 75, "上海", ["1890", "157.5"], False),
    ("0755", None, "深圳", ["250"], True),
    ("0551", None, "安徽", ["70"], False),
    ("0931", None, "甘肃", ["120"], False),
    ("0531", 69, "山东", ["100"], False),
    ("0532", 70, "山东", ["125"], False),
    ("023", 60, "重庆", ["105"], False),
    ("023", 80, "重庆", ["115"], False),
    ("0871", 66, "云南", ["106"], False),
    ("0871", 71, "云南", ["142"], False),
    ("0512", None, "苏州", ["1400"], False),
]


def said_amount(value) -> str:
    # The amount's words without any closing word, so the test holds wherever in a sentence the amount stands.
    return READ.amount(Decimal(value), alone=False)


def sentences_with(heard, value):
    return [sentence for sentence in heard if said_amount(value) in sentence]


@pytest.mark.parametrize("code, age, name, sums, estimate", REGION_FACTS, ids=[f"{c}-{a}" for c, a, *_ in REGION_FACTS])
def test_every_region_rule_is_computed_and_spoken(caller, code, age, name, sums, estimate):
    _, heard = ask_rebate(caller, code, age)
    assert heard[0] == REBATE.region.format(region=name)
    for value in sums:
        found = sentences_with(heard, value)
        assert found, f"{value} not heard in {heard}"
        assert all((REBATE.estimate in s and REBATE.about in s) == estimate for s in found), found
    # Zheng closes a whole amount only where the sentence ends, never inside it (san-yuan-zheng-hou).
    whole = READ.lexicon["whole"]
    for sentence in heard:
        assert all(sentence[i + 1:i + 2] in ("。", "！", "？", "；", "") for i, ch in enumerate(sentence) if ch == whole), sentence
    assert heard[-2:] == [WHO, AFTER_REBATE]


def test_xiamen_says_its_rate_and_no_amount(caller):
    # The seeds give Xiamen only 2.5% of its average pension; their 3,700 is another, hypothetical, region's.
    _, heard = ask_rebate(caller, "0592")
    assert heard[0] == REBATE.region.format(region="厦门")
    assert READ.percent(Decimal("2.5")) in heard[1]
    assert not any(READ.lexicon["yuan"] in sentence for sentence in heard)
    assert not any(REBATE.estimate in sentence for sentence in heard)
    assert heard[-2:] == [WHO, AFTER_REBATE]


def test_wuxi_without_a_pension_says_the_yearly_rate_only(caller):
    _, heard = ask_rebate(caller, "0510")
    assert heard[1] == REBATE.own_pension_share.format(rate=READ.percent(Decimal("7")))
    assert not any(READ.lexicon["yuan"] in sentence for sentence in heard)


def test_area_code_without_its_leading_zero(caller):
    _, heard = ask_rebate(caller, "10", 72)
    assert heard[1] == "按年龄分档划入，七十岁及以上的退休人员每月划入一百一十元整。"


def test_an_unknown_area_code_gives_the_national_rule_as_an_example(caller):
    _, heard = ask_rebate(caller, "0999")
    assert heard[0] == REBATE.unknown_area.format(code=READ.digits("0999"))
    national = heard[1]
    for rate in ("2", "3"):
        assert READ.percent(Decimal(rate)) in national
    # The seeds' worked example (3,700 at 3% is 111) is said as an example and as an estimate.
    assert said_amount("3700") in national and said_amount("111") in national
    assert REBATE.estimate in national and REBATE.about in national
    assert heard[-2:] == [WHO, AFTER_REBATE]


@pytest.mark.parametrize("keys", ["5#", "12345#", "abc"])
def test_a_malformed_area_code_is_asked_again(caller, keys):
    c = caller()
    c.dial()
    c.press("3")
    c.press("2")
    heard = c.press(keys)
    assert heard[0] in ("长途区号是三到四位数字，以零开头。请重新输入，以井号键结束。", "对不起，按键无效。")


@pytest.mark.parametrize("age", ["00", "121", "1000"])
def test_an_impossible_age_is_asked_again(caller, age):
    c = caller()
    c.dial()
    c.press("3")
    c.press("1")
    assert c.press(age + "#") == ["请输入一到三位数字的周岁年龄，以井号键结束。"]


def test_key_one_uses_the_region_of_the_number_called(caller):
    c = caller(to="+862112393")
    c.dial()
    c.press("3")
    assert c.press("1") == ["上海的标准和年龄有关。请输入您的年龄，以井号键结束。"]
    assert c.press("80#")[1].startswith("按年龄分档、每年划入一次，七十五岁及以上")


def test_other_region_after_an_answer(caller):
    c, _ = ask_rebate(caller, "0551")
    assert c.press("2") == ["查询北京的标准请按1，查询其他地区请按2，返回主菜单请按9。"]
    c.press("2")
    assert c.press("0931#")[1] == "实行定额划入，退休人员每月划入一百二十元整。"
    assert c.press("1")[1] == "实行定额划入，退休人员每月划入一百二十元整。"


def test_a_verified_retiree_hears_their_own_rule(caller):
    c = verified(caller, "110108195404120012", "222222", "1")
    c.press("9")
    assert c.press("3") == [
        "按您的参保地北京和年龄七十二岁计算。",
        "按年龄分档划入，七十岁及以上的退休人员每月划入一百一十元整。",
        "扣除大病医疗保险三元后，实际到账一百零七元整。",
        "每月五日前到账。",
        WHO,
        AFTER_REBATE,
    ]
    # They can still ask about another region.
    assert c.press("2") == ["查询北京的标准请按1，查询其他地区请按2，返回主菜单请按9。"]


def test_a_shanghai_retiree_over_75_hears_the_yearly_amount(caller):
    c = verified(caller, "310104194809300043", "333333", "1", to="+862112393")
    c.press("9")
    assert c.press("3")[:2] == [
        "按您的参保地上海和年龄七十八岁计算。",
        "按年龄分档、每年划入一次，七十五岁及以上的退休人员每年划入一千八百九十元，平均每月一百五十七元五角。",
    ]


def test_a_wuxi_retiree_hears_an_estimate_of_the_yearly_credit_from_their_own_pension(caller):
    c = verified(caller, "11010519491231002X", "666666", "2")
    c.press("9")
    heard = c.press("3")
    assert heard[0] == REBATE.own.format(region="无锡", age=READ.integer(76))
    assert heard[1] == REBATE.own_pension_share.format(rate=READ.percent(Decimal("7")))
    # 7% of the 3,800 a month on the account, for a year: 3,192, said as an estimate of a yearly credit.
    assert heard[2] == REBATE.own_pension_amount.format(amount=said_amount("3192"))
    assert REBATE.estimate in heard[2] and REBATE.about in heard[2]


def test_a_verified_worker_is_asked_for_a_region(caller):
    c = verified(caller, "440305198503150016", "123456", "1", to="+8675512393")
    c.press("9")
    assert c.press("3") == ["查询深圳的标准请按1，查询其他地区请按2，返回主菜单请按9。"]


def test_a_caller_who_has_not_identified_is_told_whose_rule_and_how_to_choose_another(caller):
    c = caller(to="+862112393")
    c.dial()
    where = SCRIPT.nodes["rebate_where"]
    # Before any answer: the line's region by name, and the key for another region.
    assert c.press("3") == [where.prompt.format(line_region="上海")]
    assert where.options["2"] == "rebate_area_code"
    heard = c.press("1")
    heard = c.press("80#")
    # The answer opens with the region it is for and closes with the way to another region.
    assert heard[0] == REBATE.region.format(region="上海")
    after = SCRIPT.nodes["rebate"]
    assert heard[-1] == after.after and after.options["2"] == "other_region"
