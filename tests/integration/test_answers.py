"""Balance, payment records and rebate rules, as the caller hears them.

The sentences come from the demo prompts (tests/prompts.py); the readings filled into them (amounts, dates, counts)
are the facts under test and are written out.
"""

import shutil
from decimal import Decimal

import pytest

from ivr import create_app
from ivr.tools.phone import Phone
from tests.conftest import TOKEN
from tests.prompts import (
    VERIFIED,
    accepted,
    AFTER,
    AFTER_SHORT,
    ASK_AGE,
    BALANCE,
    MESSAGES,
    NODES,
    PAYMENTS,
    READ,
    REBATE,
    ROOT,
    ask_age,
    literal,
    rebate_where,
    wrong_key,
)

# Sentences a right password gets before the answer (none in the demo prompts).
V = len(VERIFIED)
NOV_20 = "二零二六年十一月二十日"


def verified(caller, id_number, password, key, **line):
    c = caller(**line)
    c.dial()
    c.press(key)
    # A trailing X is keyed as *.
    c.press(id_number.replace("X", "*") + "#")
    heard = c.press(password + "#")
    assert accepted(heard, {"1": "balance", "2": "payments", "3": "rebate"}[key])
    return c


# Balance.

def test_balance_is_read_like_a_teller(caller):
    c = verified(caller, "110101196106080024", "111111", "1")
    assert c.heard == [
        *VERIFIED,
        BALANCE.text.format(balance="一千二百三十四元五角六分", as_of=NOV_20),
        BALANCE.last_credit.format(as_of=NOV_20, date="二零二六年十一月四日", amount="九十七元整"),
        AFTER["balance"],
    ]


def test_star_repeats_the_balance_with_the_short_options_and_one_is_a_wrong_key(caller):
    c = verified(caller, "440305198503150016", "123456", "1")
    answer = [
        BALANCE.text.format(balance="五千六百七十八元九角", as_of=NOV_20),
        BALANCE.last_credit.format(as_of=NOV_20, date="二零二六年十一月十五日", amount="二百四十元整"),
    ]
    assert c.heard[V:] == answer + [AFTER["balance"]]
    # The caller has heard the options in full once: a repeat ends with the short form.
    assert c.press("*") == answer + [AFTER_SHORT["balance"]]
    # 1 repeated the balance once; now * alone does, and 1 is no option after an answer.
    assert c.press("1") == [wrong_key("balance"), AFTER["balance"]]


def test_a_resident_member_is_told_there_is_no_personal_account(caller):
    c = verified(caller, "620102199001200026", "444444", "1")
    assert c.heard[V] == BALANCE.resident


def test_no_arabic_digits_reach_the_voice_in_answers(caller):
    c = verified(caller, "11010519491231002X", "666666", "1")
    answer = "".join(c.heard[V:-1])
    assert not any(ch.isdigit() for ch in answer)


# Accounts only these tests need, added to a copy of the demo data: one in arrears, one paid for under a year, and
# one with nothing in the account.
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
- id_number: '110101198001010053'
  label: nothing in the account
  scheme: employee
  status: working
  region: beijing
  balance: '0'
  as_of: '2026-11-20'
  password: '999999'
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
    owed = "五十六元整"
    assert c.heard[len(VERIFIED)] == BALANCE.overdrawn.format(as_of=NOV_20, amount=owed)
    # The caller hears qian-fei and the sum owed, never a minus sign.
    assert READ.lexicon["minus"] not in c.heard[V]


def test_a_balance_of_nothing_is_ling_yuan_without_zheng(extra_caller):
    c = verified(extra_caller, "110101198001010053", "999999", "1")
    assert c.heard[len(VERIFIED)] == BALANCE.text.format(balance="零元", as_of=NOV_20)


# Payment records.

def test_under_a_year_of_payments_is_said_in_months_alone(extra_caller):
    c = verified(extra_caller, "110101199506150048", "888888", "2")
    assert c.heard[V:V + 2] == [PAYMENTS.total_months.format(months=READ.count(2)),
                            PAYMENTS.gaps.format(count=READ.count(1))]
    # No zero years (ling nian), and two months is liang ge yue.
    assert READ.digit_words[0] not in c.heard[V] and "两个月" in c.heard[V]


def paid(month: str) -> str:
    # Only the last amount ends the sentence, so only it takes zheng.
    return PAYMENTS.month.format(month=month, individual="一百四十元", credited="一百四十元整")


def unpaid(month: str) -> str:
    return PAYMENTS.unpaid.format(month=month)


def page(number: str) -> str:
    return PAYMENTS.page.format(page=number, pages="四")


def test_payment_records_page_both_ways_with_unpaid_months(caller):
    c = verified(caller, "500103197911020032", "555555", "2")
    first_page = [
        PAYMENTS.total.format(years="十六", months="五"),
        PAYMENTS.gaps.format(count="三"),
        paid("二零二六年十月"),
        paid("二零二六年九月"),
        paid("二零二六年八月"),
        page("一"),
    ]
    # The page's position comes after its records, just before the keys; the first answer gives the options in full.
    assert c.heard == VERIFIED + first_page + [PAYMENTS.next_hint + AFTER["payments"]]
    assert c.press("6") == [
        unpaid("二零二六年七月"),
        unpaid("二零二六年六月"),
        paid("二零二六年五月"),
        page("二"),
        PAYMENTS.next_hint + PAYMENTS.previous_hint + AFTER_SHORT["payments"],
    ]
    c.press("6")
    last = PAYMENTS.previous_hint + AFTER_SHORT["payments"]
    assert c.press("6") == [paid("二零二六年一月"), page("四"), last]
    assert c.press("6") == [MESSAGES.last_page, last]
    assert c.press("4")[0] == paid("二零二六年四月")
    c.press("4")
    assert c.press("4") == first_page + [PAYMENTS.next_hint + AFTER_SHORT["payments"]]
    assert c.press("4") == [MESSAGES.first_page, PAYMENTS.next_hint + AFTER_SHORT["payments"]]
    # Star re-reads the page the caller is on.
    assert c.press("6")[0] == unpaid("二零二六年七月")
    assert c.press("*")[0] == unpaid("二零二六年七月")


@pytest.mark.parametrize("key", ["1", "2"])
def test_the_old_paging_keys_are_wrong_keys_now(caller, key):
    """1 and 2 paged once; paging keys now mean nothing else anywhere (6 next, 4 previous), and these nothing here."""
    c = verified(caller, "500103197911020032", "555555", "2")
    assert c.press(key) == [wrong_key("payments"), AFTER["payments"]]


def test_paging_starts_again_at_the_newest_month(caller):
    c = verified(caller, "500103197911020032", "555555", "2")
    c.press("6")
    c.press("9")
    assert c.press("2")[0] == PAYMENTS.total.format(years="十六", months="五")


def test_whole_years_and_a_single_page(caller):
    c = verified(caller, "440305198503150016", "123456", "2")
    assert c.heard[V] == PAYMENTS.total_whole_years.format(years="十五")
    c = verified(caller, "11010519491231002X", "666666", "2")
    # One page: no paging keys and no page position.
    assert c.heard[-1] == AFTER["payments"]
    assert not any(PAYMENTS.page.split("{")[0] in sentence for sentence in c.heard)


def test_resident_payments_are_yearly(caller):
    c = verified(caller, "620102199001200026", "444444", "2")
    assert c.heard[V:V + 4] == [
        PAYMENTS.total_whole_years.format(years="四"),
        PAYMENTS.year.format(year="二零二六", individual="四百元整"),
        PAYMENTS.year.format(year="二零二五", individual="四百元整"),
        PAYMENTS.year.format(year="二零二四", individual="三百八十元整"),
    ]


# Rebate rules.

def ask_rebate(caller, code, age=None, region=None, **line):
    c = caller(**line)
    c.dial()
    c.press("3")
    c.press("2")
    heard = c.press(code + "#")
    if age is not None:
        assert heard == [ask_age(region)]
        heard = c.press(f"{age}#")
    # Who qualifies is said once, before the first rule of the visit; the rest is the rule itself.
    assert heard[0] == REBATE.who
    return c, heard[1:]


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
    _, heard = ask_rebate(caller, code, age, name)
    assert heard[0] == REBATE.region.format(region=name)
    for value in sums:
        found = sentences_with(heard, value)
        assert found, f"{value} not heard in {heard}"
        assert all((REBATE.estimate in s and REBATE.about in s) == estimate for s in found), found
    # Zheng closes a whole amount only where the sentence ends, never inside it (san-yuan-zheng-hou).
    whole = READ.lexicon["whole"]
    for sentence in heard:
        assert all(sentence[i + 1:i + 2] in ("。", "！", "？", "；", "") for i, ch in enumerate(sentence) if ch == whole), sentence
    assert heard[-1] == AFTER["rebate"] and REBATE.who not in heard


def test_xiamen_says_its_rate_and_no_amount(caller):
    # The seeds give Xiamen only 2.5% of its average pension; their 3,700 is another, hypothetical, region's.
    _, heard = ask_rebate(caller, "0592")
    assert heard[0] == REBATE.region.format(region="厦门")
    assert READ.percent(Decimal("2.5")) in heard[1]
    assert not any(READ.lexicon["yuan"] in sentence for sentence in heard)
    assert not any(REBATE.estimate in sentence for sentence in heard)
    assert heard[-1] == AFTER["rebate"] and REBATE.who not in heard


def test_wuxi_without_a_pension_says_the_yearly_rate_only(caller):
    _, heard = ask_rebate(caller, "0510")
    assert heard[1] == REBATE.own_pension_share.format(rate=READ.percent(Decimal("7")))
    assert not any(READ.lexicon["yuan"] in sentence for sentence in heard)


def test_area_code_without_its_leading_zero(caller):
    _, heard = ask_rebate(caller, "10", 72, "北京")
    assert heard[1] == REBATE.age_tiered.format(tier=REBATE.tier_from.format(age="七十"), amount="一百一十元整")


def test_an_unknown_area_code_gives_the_national_rule_as_an_example(caller):
    _, heard = ask_rebate(caller, "0999")
    assert heard[0] == REBATE.unknown_area.format(code=READ.digits("0999"))
    national = heard[1]
    for rate in ("2", "3"):
        assert READ.percent(Decimal(rate)) in national
    # The seeds' worked example (3,700 at 3% is 111) is said as an example and as an estimate.
    assert said_amount("3700") in national and said_amount("111") in national
    assert REBATE.estimate in national and REBATE.about in national
    assert heard[-1] == AFTER["rebate"] and REBATE.who not in heard


@pytest.mark.parametrize("keys", ["5#", "12345#", "abc"])
def test_a_malformed_area_code_is_asked_again(caller, keys):
    c = caller()
    c.dial()
    c.press("3")
    c.press("2")
    heard = c.press(keys)
    assert heard[0] in (NODES["rebate_area_code"].errors["format"], MESSAGES.nomatch[0])


@pytest.mark.parametrize("age", ["00", "121", "1000"])
def test_an_impossible_age_is_asked_again(caller, age):
    c = caller()
    c.dial()
    c.press("3")
    c.press("1")
    assert c.press(age + "#") == [NODES["rebate_age"].errors["format"]]


SHANGHAI_75 = REBATE.age_tiered_yearly.format(tier=REBATE.tier_from.format(age="七十五"), amount="一千八百九十元",
                                               monthly="一百五十七元五角")


def test_key_one_uses_the_region_of_the_number_called(caller):
    c = caller(to="+862112393")
    c.dial()
    c.press("3")
    assert c.press("1") == [ask_age("上海")]
    # Who qualifies first, then the region, then its rule.
    assert c.press("80#")[:3] == [REBATE.who, REBATE.region.format(region="上海"), SHANGHAI_75]


GANSU = REBATE.fixed.format(amount="一百二十元整")


def test_other_region_after_an_answer_and_who_qualifies_said_once(caller):
    # ask_rebate holds that who qualifies is said before the first region's rule.
    c, heard = ask_rebate(caller, "0551")
    assert c.press("2") == [rebate_where("北京")]
    c.press("2")
    heard = c.press("0931#")
    assert heard[:2] == [REBATE.region.format(region="甘肃"), GANSU] and heard[-1] == AFTER_SHORT["rebate"]
    assert REBATE.who not in heard
    # Who qualifies was said before the first region: not with the next one, nor when the caller hears it again.
    assert c.press("*") == heard
    # A new visit from the main menu says it once more.
    c.press("9")
    c.press("3")
    c.press("2")
    assert REBATE.who in c.press("0931#")


def test_a_verified_retiree_hears_their_own_rule_and_is_never_asked_for_the_age(caller):
    c = verified(caller, "110108195404120012", "222222", "1")
    c.press("9")
    # Their own rule: no note on who qualifies (they do), and the short options after the balance's full ones.
    assert c.press("3") == [
        REBATE.own.format(region="北京", age="七十二"),
        REBATE.age_tiered.format(tier=REBATE.tier_from.format(age="七十"), amount="一百一十元整"),
        REBATE.deduction.format(what="大病医疗保险", amount="三元", net="一百零七元整"),
        REBATE.credit_month_by.format(day="五"),
        AFTER_SHORT["rebate"],
    ]
    # They can still ask about another region, and the hotline knows their age (72) from the ID number.
    assert c.press("2") == [rebate_where("北京")]
    c.press("2")
    heard = c.press("021#")
    assert literal(ASK_AGE) not in "".join(heard)
    assert heard[0] == REBATE.region.format(region="上海")
    assert sentences_with(heard, "1680") and not sentences_with(heard, "1890")
    # The line's own region, by key 1, is not asked for the age either.
    c.press("2")
    heard = c.press("1")
    assert heard[0] == REBATE.region.format(region="北京") and sentences_with(heard, "107")


def test_a_shanghai_retiree_over_75_hears_the_yearly_amount(caller):
    c = verified(caller, "310104194809300043", "333333", "1", to="+862112393")
    c.press("9")
    assert c.press("3")[:2] == [REBATE.own.format(region="上海", age="七十八"), SHANGHAI_75]
    # 2,890.50 is liang-qian, not er-qian.
    c.press("9")
    assert c.press("1")[0] == BALANCE.text.format(balance="两千八百九十元五角", as_of=NOV_20)


def test_a_wuxi_retiree_hears_an_estimate_of_the_yearly_credit_from_their_own_pension(caller):
    c = verified(caller, "11010519491231002X", "666666", "2")
    c.press("9")
    heard = c.press("3")
    assert heard[0] == REBATE.own.format(region="无锡", age=READ.integer(76))
    assert heard[1] == REBATE.own_pension_share.format(rate=READ.percent(Decimal("7")))
    # 7% of the 3,800 a month on the account, for a year: 3,192, said as an estimate of a yearly credit.
    assert heard[2] == REBATE.own_pension_amount.format(amount=said_amount("3192"))
    assert REBATE.estimate in heard[2] and REBATE.about in heard[2]


@pytest.mark.parametrize("id_number, password, to, region", [
    ("440305198503150016", "123456", "+8675512393", "深圳"),
    # Chongqing's rule depends on the age, which the ID number gives.
    ("500103197911020032", "555555", "+861012393", "重庆"),
])
def test_a_verified_worker_hears_their_regions_rule_without_being_asked(caller, id_number, password, to, region):
    c = verified(caller, id_number, password, "1", to=to)
    c.press("9")
    heard = c.press("3")
    # A worker may ask for a retiree's rule, so who qualifies comes first; the region is their own, not asked.
    assert heard[:2] == [REBATE.who, REBATE.region.format(region=region)]
    assert not any(literal(prompt) in "".join(heard) for prompt in (NODES["rebate_where"].prompt, ASK_AGE))
    assert heard[-1] == AFTER_SHORT["rebate"]


def test_a_caller_who_has_not_identified_is_told_whose_rule_and_how_to_choose_another(caller):
    c = caller(to="+862112393")
    c.dial()
    where = NODES["rebate_where"]
    # Before any answer: the line's region by name, and the key for another region.
    assert c.press("3") == [rebate_where("上海")]
    assert where.options["2"] == "rebate_area_code"
    heard = c.press("1")
    heard = c.press("80#")
    # The answer opens (after who qualifies) with the region it is for and closes with the way to another region.
    assert heard[:2] == [REBATE.who, REBATE.region.format(region="上海")]
    after = NODES["rebate"]
    assert heard[-1] == after.after and after.options["2"] == "other_region"
