"""The three answer kinds that ship (balance, payment records, rebate rules), spoken for one call at a time without
the engine: the facts a caller hears, in the sentences of the demo prompts."""

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from ivr.content.version import load_hotline
from ivr.core.accounts import Account, Record
from ivr.core.answers import Ask, Context, Spoken, kind
from ivr.core.answers.balance import balance
from ivr.core.answers.payments import _record
from ivr.core.answers.rebate import for_region
from ivr.core.filling import Money, fill
from ivr.core.regions import AveragePension, Credit, Deduction, Region, Rule, Tier

ROOT = Path(__file__).resolve().parents[2]
HOTLINE = load_hotline(ROOT / "prompts", ROOT / "data")
SCRIPT = HOTLINE.script
READ = SCRIPT.reader
BALANCE, PAYMENTS, REBATE = SCRIPT.answers.balance, SCRIPT.answers.payments, SCRIPT.answers.rebate
PAGE_SIZE = SCRIPT.settings.page_size
TODAY = dt.date(2026, 11, 23)
AS_OF = dt.date(2026, 11, 20)


def account(**facts) -> Account:
    """A working employee in Beijing born on 8 June 1961, with what a test says on top."""
    plain = dict(id_number="110101196106080024", password_hash="", scheme="employee", status="working",
                 region="beijing", balance=Decimal("100"), as_of=AS_OF)
    return Account(**{**plain, **facts})


def call(node: str, caller: Account | None = None, **slots) -> Context:
    return Context(SCRIPT, HOTLINE.regions, SCRIPT.nodes[node], slots, TODAY, lambda: caller)


def said(value) -> str:
    """An amount's words without any closing word, so a test holds wherever in a sentence the amount stands."""
    return READ.amount(Decimal(value), alone=False)


# Balance.

def speak_balance(caller: Account) -> list[str]:
    spoken = kind("balance").speak(call("balance", caller))
    assert spoken.hint == ""
    return spoken.sentences


@pytest.mark.parametrize("balance", ["1234.56", "0", "0.50"])
def test_a_balance_of_zero_or_more_is_said_as_the_balance(balance):
    sentences = speak_balance(account(balance=Decimal(balance)))
    # The amount first; with no last credit, the date it stands at on its own after it.
    assert sentences == [fill(BALANCE.text, READ, as_of=READ.date(AS_OF), balance=Money(Decimal(balance))),
                         BALANCE.as_of.format(as_of=READ.date(AS_OF))]
    assert said(balance) in sentences[0] and READ.lexicon["minus"] not in sentences[0]


@pytest.mark.parametrize("balance", ["-56.00", "-0.50"])
def test_a_balance_below_zero_is_said_as_the_sum_owed(balance):
    owed = -Decimal(balance)
    sentences = speak_balance(account(balance=Decimal(balance)))
    assert sentences == [fill(BALANCE.overdrawn, READ, as_of=READ.date(AS_OF), amount=Money(owed)),
                         BALANCE.as_of.format(as_of=READ.date(AS_OF))]
    assert said(owed) in sentences[0] and READ.lexicon["minus"] not in sentences[0]


def test_the_last_credit_follows_the_balance():
    credited = dt.date(2026, 11, 4)
    sentences = speak_balance(account(last_credit_date=credited, last_credit_amount=Decimal("97")))
    # The demo's last credit names the date the balance stands at, so that date is said there and only there.
    assert sentences == [fill(BALANCE.text, READ, balance=Money(Decimal("100"))),
                         fill(BALANCE.last_credit, READ, as_of=READ.date(AS_OF), date=READ.date(credited),
                              amount=Money(Decimal("97")))]
    assert said("97") in sentences[1] and READ.date(credited) in sentences[1] and READ.date(AS_OF) in sentences[1]


def test_a_credit_of_zero_is_still_said():
    sentences = speak_balance(account(last_credit_date=AS_OF, last_credit_amount=Decimal("0")))
    assert len(sentences) == 2 and said("0") in sentences[1]


@pytest.mark.parametrize("date, amount", [(None, Decimal("97")), (AS_OF, None), (None, None)])
def test_half_a_last_credit_is_not_said(date, amount):
    sentences = speak_balance(account(last_credit_date=date, last_credit_amount=amount))
    assert sentences[1:] == [BALANCE.as_of.format(as_of=READ.date(AS_OF))]


@pytest.mark.parametrize("amount", ["100", "-56"])
def test_a_headline_that_names_the_date_says_it_there_and_nowhere_else(amount):
    # Operators may put the date in the balance sentence itself; then neither as_of nor a second date follows.
    words = BALANCE.model_copy(update={"text": "截至{as_of}，您的余额是{balance}。",
                                       "overdrawn": "截至{as_of}，您的账户已欠费{amount}。"})
    sentences = balance(words, READ, account(balance=Decimal(amount)))
    headline = words.text if Decimal(amount) >= 0 else words.overdrawn
    value = Money(abs(Decimal(amount)))
    assert sentences == [fill(headline, READ, as_of=READ.date(AS_OF), balance=value, amount=value)]
    assert READ.date(AS_OF) in sentences[0]


def test_a_last_credit_that_does_not_name_the_date_leaves_it_to_as_of():
    words = BALANCE.model_copy(update={"last_credit": "最近一次入账是{date}，入账{amount}。"})
    credited = dt.date(2026, 11, 4)
    sentences = balance(words, READ, account(last_credit_date=credited, last_credit_amount=Decimal("97")))
    assert sentences == [fill(words.text, READ, balance=Money(Decimal("100"))),
                         words.as_of.format(as_of=READ.date(AS_OF)),
                         fill(words.last_credit, READ, date=READ.date(credited), amount=Money(Decimal("97")))]


def test_a_resident_member_hears_there_is_no_personal_account():
    resident = account(scheme="resident", balance=Decimal("-5"), last_credit_date=AS_OF, last_credit_amount=Decimal("1"))
    assert speak_balance(resident) == [BALANCE.resident]


# Payment records.

def month(period: str, paid: bool = True, individual: str = "140.00", credited: str = "140.00") -> Record:
    if not paid:
        return Record(period, False)
    return Record(period, True, base=Decimal("7000"), individual=Decimal(individual), employer=Decimal("560.00"),
                  credited=Decimal(credited))


# Seven months, newest first, two of them unpaid: three pages of three.
SEVEN_MONTHS = tuple(month(f"2026-{m:02d}", paid=m not in (7, 6)) for m in range(10, 3, -1))


def month_words(record: Record) -> str:
    year, number = record.period.split("-")
    return READ.year_month(int(year), int(number))


def open_records(caller: Account, **slots) -> tuple[Context, Spoken]:
    context = call("payments", caller, **slots)
    return context, kind("payments").speak(context)


def test_the_first_page_opens_with_the_years_paid_and_the_gaps():
    # 190 months before the records and 5 paid in them: 16 years and 3 months, with 2 months missed.
    _, spoken = open_records(account(months_paid_before=190, records=SEVEN_MONTHS))
    assert spoken.sentences[:2] == [PAYMENTS.total.format(years=READ.count(16), months=READ.count(3)),
                                    PAYMENTS.gaps.format(count=READ.count(2))]


def test_each_paid_month_says_its_amounts_and_an_unpaid_one_says_it_was_missed():
    record = month("2026-10", individual="141.50", credited="56.60")
    _, spoken = open_records(account(records=(record, month("2026-09", paid=False))))
    paid, unpaid = spoken.sentences[-2:]
    assert paid.startswith(month_words(SEVEN_MONTHS[0]))
    assert paid == fill(PAYMENTS.month, READ, month=month_words(record), base=Money(Decimal("7000")),
                        individual=Money(Decimal("141.50")), employer=Money(Decimal("560")),
                        credited=Money(Decimal("56.60")))
    assert said("141.50") in paid and said("56.60") in paid
    assert unpaid == PAYMENTS.unpaid.format(month=READ.year_month(2026, 9))


def test_a_month_template_may_name_the_base_and_the_employer_s_share():
    # The demo's month leaves them to the agent; an operator's template may say every amount of the record.
    words = PAYMENTS.model_copy(update={"month": "{month}，基数{base}，个人{individual}，单位{employer}，划入{credited}。"})
    record = month("2026-10", individual="141.50", credited="56.60")
    assert _record(words, READ, record) == words.month.format(
        month=month_words(record), base=READ.amount(Decimal("7000"), alone=False), individual=said("141.50"),
        employer=said("560"), credited=READ.amount(Decimal("56.60")))


def test_a_page_holds_page_size_records_and_says_which_page_it_is():
    _, spoken = open_records(account(records=SEVEN_MONTHS))
    records = spoken.sentences[-PAGE_SIZE:]
    assert [r.startswith(month_words(m)) for r, m in zip(records, SEVEN_MONTHS)] == [True] * PAGE_SIZE
    pages = -(-len(SEVEN_MONTHS) // PAGE_SIZE)
    # Which page it is: a note, said after the records and just before the paging keys.
    assert spoken.notes == [PAYMENTS.page.format(page=READ.integer(1), pages=READ.count(pages))]


def test_paging_forward_and_back_says_the_keys_that_make_sense():
    context, first = open_records(account(records=SEVEN_MONTHS))
    records = kind("payments")
    assert first.hint == PAYMENTS.next_hint
    assert records.act(context, "next_page") is None
    middle = records.speak(context)
    assert middle.hint == PAYMENTS.next_hint + PAYMENTS.previous_hint
    assert middle.sentences[0].startswith(month_words(SEVEN_MONTHS[PAGE_SIZE]))
    assert middle.notes == [PAYMENTS.page.format(page=READ.integer(2), pages=READ.count(3))]
    assert records.act(context, "next_page") is None
    last = records.speak(context)
    assert last.hint == PAYMENTS.previous_hint
    assert last.sentences[0].startswith(month_words(SEVEN_MONTHS[-1]))
    # Past the last page the caller is told so, with the keys of the page they stay on.
    assert records.act(context, "next_page") == Spoken([SCRIPT.messages.last_page], PAYMENTS.previous_hint)
    assert records.act(context, "previous_page") is None
    assert records.speak(context).sentences[0].startswith(month_words(SEVEN_MONTHS[PAGE_SIZE]))
    records.act(context, "previous_page")
    assert records.act(context, "previous_page") == Spoken([SCRIPT.messages.first_page], PAYMENTS.next_hint)
    assert records.speak(context).sentences[0] == first.sentences[0]


def test_a_page_beyond_the_records_is_read_as_the_nearest_one():
    context, beyond = open_records(account(records=SEVEN_MONTHS), page=99)
    assert beyond.sentences[0].startswith(month_words(SEVEN_MONTHS[-1]))
    # The caller is on the last page now, so the previous one is the middle page.
    assert kind("payments").act(context, "previous_page") is None
    assert kind("payments").speak(context).sentences[0].startswith(month_words(SEVEN_MONTHS[PAGE_SIZE]))
    _, before = open_records(account(records=SEVEN_MONTHS), page=-1)
    assert before.sentences[0] == open_records(account(records=SEVEN_MONTHS))[1].sentences[0]


def test_coming_back_to_the_records_starts_on_the_first_page():
    slots = {"page": 2, "region": "beijing"}
    kind("payments").arrive(slots)
    assert slots == {"region": "beijing"}
    kind("payments").arrive(slots)
    assert slots == {"region": "beijing"}


def test_the_next_page_of_a_visit_not_yet_read_is_the_second():
    context = call("payments", account(records=SEVEN_MONTHS))
    assert kind("payments").act(context, "next_page") is None
    assert kind("payments").speak(context).sentences[0].startswith(month_words(SEVEN_MONTHS[PAGE_SIZE]))


def test_two_pages_are_numbered():
    _, spoken = open_records(account(records=SEVEN_MONTHS[:PAGE_SIZE + 1]))
    assert spoken.notes == [PAYMENTS.page.format(page=READ.integer(1), pages=READ.count(2))]


def test_paging_without_a_verified_caller_says_the_answer_again():
    assert kind("payments").act(call("payments", None), "next_page") is None


def test_one_page_has_no_page_number_and_no_paging_keys():
    _, spoken = open_records(account(months_paid_before=9, records=SEVEN_MONTHS[:PAGE_SIZE]))
    assert spoken.hint == "" and spoken.notes == []
    assert len(spoken.sentences) == 1 + PAGE_SIZE
    # 9 months and 3 paid: a whole year, and no gaps.
    assert spoken.sentences[0] == PAYMENTS.total_whole_years.format(years=READ.count(1))


def test_under_a_year_is_said_in_months_alone():
    _, spoken = open_records(account(records=(month("2026-10"), month("2026-09"))))
    assert spoken.sentences[0] == PAYMENTS.total_months.format(months=READ.count(2))


def test_no_records_is_said_as_such():
    _, spoken = open_records(account(months_paid_before=24, records=()))
    assert spoken == Spoken([PAYMENTS.none], "")


def test_resident_records_are_years():
    years = (Record("2026", True, individual=Decimal("400")), Record("2025", False),
             Record("2024", True, individual=Decimal("380")))
    _, spoken = open_records(account(scheme="resident", records=years))
    # Two years paid, each twelve months; one missed.
    assert spoken.sentences[:2] == [PAYMENTS.total_whole_years.format(years=READ.count(2)),
                                    PAYMENTS.gaps.format(count=READ.count(1))]
    assert spoken.sentences[2] == fill(PAYMENTS.year, READ, year=READ.digits("2026"), individual=Money(Decimal("400")))
    assert spoken.sentences[3] == PAYMENTS.unpaid.format(month=READ.digits("2025"))
    assert said("380") in spoken.sentences[4]


# Rebate rules.

def speak_rebate(caller: Account | None = None, **slots):
    return kind("rebate").speak(call("rebate", caller, **slots))


# (region, age, sums the caller must hear): the rule of every region of the demo data, from its article.
REGION_FACTS = [
    ("beijing", 65, ["100", "3", "97"]),
    ("beijing", 70, ["110", "3", "107"]),
    ("shanghai", 74, ["1680", "140"]),
    ("shanghai", 75, ["1890", "157.5"]),
    ("shenzhen", None, ["250"]),
    ("anhui", None, ["70"]),
    ("gansu", None, ["120"]),
    ("shandong", 69, ["100"]),
    ("shandong", 70, ["125"]),
    ("chongqing", 69, ["105"]),
    ("chongqing", 70, ["115"]),
    ("yunnan", 66, ["106"]),
    ("yunnan", 71, ["142"]),
    ("suzhou", None, ["1400"]),
]


@pytest.mark.parametrize("key, age, sums", REGION_FACTS, ids=[f"{k}-{a}" for k, a, _ in REGION_FACTS])
def test_each_region_says_its_name_its_amounts_and_who_receives_them(key, age, sums):
    slots = {"region": key} if age is None else {"region": key, "age": age}
    sentences = speak_rebate(**slots).sentences
    # Who qualifies comes first, once, so that the options follow the facts at once.
    assert sentences[:2] == [REBATE.who, REBATE.region.format(region=HOTLINE.regions.get(key).name)]
    for value in sums:
        assert any(said(value) in s for s in sentences), (value, sentences)
    assert sentences.count(REBATE.who) == 1


def test_the_age_tier_is_named_by_its_ages():
    sentences = speak_rebate(region="beijing", age=65).sentences
    assert sentences[2] == fill(REBATE.age_tiered, READ, tier=REBATE.tier_below.format(age=READ.integer(70)),
                                amount=Money(Decimal("100")))
    sentences = speak_rebate(region="beijing", age=72).sentences
    assert REBATE.tier_from.format(age=READ.integer(70)) in sentences[2]


def test_a_yearly_tier_says_the_year_and_the_month():
    sentences = speak_rebate(region="shanghai", age=80).sentences
    assert sentences[2] == fill(REBATE.age_tiered_yearly, READ, tier=REBATE.tier_from.format(age=READ.integer(75)),
                                amount=Money(Decimal("1890")), monthly=Money(Decimal("157.50")))


def test_a_deduction_says_what_is_taken_and_what_arrives():
    sentences = speak_rebate(region="beijing", age=72).sentences
    assert sentences[3] == fill(REBATE.deduction, READ, what="大病医疗保险", amount=Money(Decimal("3")),
                                net=Money(Decimal("107")))


@pytest.mark.parametrize("key, credit", [
    ("beijing", REBATE.credit_month_by.format(day=READ.integer(5))),
    ("anhui", REBATE.credit_month_around.format(day=READ.integer(20))),
    ("shanghai", REBATE.credit_year.format(date=READ.month_day(7, 1))),
    ("suzhou", REBATE.credit_year_around.format(date=READ.month_day(1, 1))),
])
def test_the_day_of_the_credit_ends_the_rule(key, credit):
    assert speak_rebate(region=key, age=80).sentences[-1] == credit


def test_a_share_of_the_pension_from_the_sources_approximate_sum_is_an_estimate():
    sentences = speak_rebate(region="shenzhen").sentences
    assert sentences[2] == REBATE.pension_share_about.format(rate=READ.percent(Decimal("2.8")), amount=said("250"))


def test_a_share_without_any_sum_says_the_rate_alone():
    sentences = speak_rebate(region="xiamen").sentences
    assert sentences[2] == REBATE.pension_share_rule.format(rate=READ.percent(Decimal("2.5")))
    assert not any(READ.lexicon["yuan"] in s for s in sentences)


def test_a_share_of_the_own_pension_without_a_pension_says_the_rate_alone():
    sentences = speak_rebate(region="wuxi").sentences
    assert sentences == [REBATE.who, REBATE.region.format(region=HOTLINE.regions.get("wuxi").name),
                         REBATE.own_pension_share.format(rate=READ.percent(Decimal("7")))]


def test_an_unknown_area_code_gives_the_national_rule_with_the_seeds_example():
    sentences = speak_rebate(code="0999").sentences
    assert sentences[:2] == [REBATE.who, REBATE.unknown_area.format(code=READ.digits("0999"))]
    national = HOTLINE.regions.national.rule
    assert sentences[2:] == [fill(REBATE.national, READ, low=READ.percent(national.rate_low),
                                  high=READ.percent(national.rate), pension=said("3700"), amount=said("111"))]


def test_an_unknown_area_code_wins_over_a_region():
    assert speak_rebate(code="0999", region="beijing").sentences[1] == REBATE.unknown_area.format(code=READ.digits("0999"))


def test_a_region_whose_rule_depends_on_age_asks_for_it():
    assert speak_rebate(region="beijing") == Ask("age")
    assert speak_rebate(region="anhui") != Ask("age")


def test_a_verified_retiree_hears_their_own_region_and_age():
    retiree = account(status="retired")
    sentences = speak_rebate(retiree).sentences
    # Born on 8 June 1961: 65 on the day of the call.
    assert sentences[0] == REBATE.own.format(region="北京", age=READ.integer(65))
    assert said("100") in sentences[1] and said("97") in sentences[2]


def test_a_verified_retiree_with_a_share_of_their_own_pension_hears_an_estimate_of_it():
    retiree = account(status="retired", region="wuxi", pension=Decimal("3800"))
    sentences = speak_rebate(retiree).sentences
    # 7% of 3,800 a month, for a year.
    assert sentences[2] == REBATE.own_pension_amount.format(amount=said("3192"))


def test_a_caller_who_has_not_identified_is_asked_for_a_region():
    assert speak_rebate(None) == Ask("region")


@pytest.mark.parametrize("caller", [account(), account(scheme="resident", status="retired")])
def test_a_verified_caller_who_is_not_a_retiree_hears_their_own_region_without_being_asked(caller):
    context = call("rebate", caller)
    sentences = kind("rebate").speak(context).sentences
    # Beijing's rule depends on age: born on 8 June 1961, the caller is 65 on the day of the call, under 70.
    assert sentences[:2] == [REBATE.who, REBATE.region.format(region="北京")]
    assert sentences[2] == fill(REBATE.age_tiered, READ, tier=REBATE.tier_below.format(age=READ.integer(70)),
                                amount=Money(Decimal("100")))
    assert context.slots["region"] == "beijing"


def test_who_qualifies_is_said_once_a_visit_and_never_to_a_retiree():
    context = call("rebate", None, region="anhui")
    assert kind("rebate").speak(context).sentences[0] == REBATE.who
    # Another region on the same visit: the rule alone.
    kind("rebate").act(context, "other_region")
    context.slots["region"] = "gansu"
    assert kind("rebate").speak(context).sentences[0] == REBATE.region.format(region=HOTLINE.regions.get("gansu").name)
    retiree = call("rebate", account(status="retired"), region="anhui")
    assert REBATE.who not in kind("rebate").speak(retiree).sentences


def test_a_retiree_who_asked_for_another_region_is_not_given_their_own_again():
    context = call("rebate", account(status="retired"), region="anhui")
    assert kind("rebate").act(context, "other_region") == Ask("region")
    assert context.slots == {"own": False, "told": False}
    assert kind("rebate").speak(context) == Ask("region")


# Rules the demo data has no region for, built here: the engine must say them all the same.

def region(**rule) -> Region:
    plain = dict(form="fixed", period="month", tiers=(), amount=None, rate=None, rate_low=None, average_pension=None,
                 about=None, deductions=(), credit=None)
    return Region("test", "测试", (), (), "", Rule(**{**plain, **rule}))


THREE_TIERS = (Tier(0, 59, Decimal("50")), Tier(60, 69, Decimal("80")), Tier(70, None, Decimal("90")))


def test_a_middle_tier_is_named_by_both_its_ages():
    sentences = for_region(SCRIPT, region(form="age_tiered", tiers=THREE_TIERS), 65)
    assert REBATE.tier_between.format(low=READ.integer(60), high=READ.integer(69)) in sentences[0]
    assert said("80") in sentences[0]


def test_a_first_tier_from_a_later_age_is_named_by_where_it_ends():
    tiers = (Tier(1, 59, Decimal("50")), Tier(60, None, Decimal("80")))
    sentences = for_region(SCRIPT, region(form="age_tiered", tiers=tiers), 30)
    assert REBATE.tier_below.format(age=READ.integer(60)) in sentences[0]


def test_a_share_of_an_average_pension_says_the_pension_and_marks_an_assumed_one():
    average = AveragePension(Decimal("4000"), assumption=True, why="")
    sentences = for_region(SCRIPT, region(form="pension_share", rate=Decimal("3"), average_pension=average), None)
    assert sentences[0] == REBATE.pension_share.format(rate=READ.percent(Decimal("3")), pension=said("4000"),
                                                       amount=said("120"))
    assert sentences[1:] == [REBATE.assumption]
    published = dataclasses.replace(average, assumption=False)
    rule = region(form="pension_share", rate=Decimal("3"), average_pension=published)
    assert for_region(SCRIPT, rule, None)[1:] == []


def test_several_deductions_are_each_said_with_the_sum_that_arrives():
    taken = (Deduction("甲", Decimal("3")), Deduction("乙", Decimal("2")))
    sentences = for_region(SCRIPT, region(amount=Decimal("100"), deductions=taken), None)
    assert sentences[1:3] == [fill(REBATE.deduction, READ, what=d.what, amount=Money(d.amount), net=Money(Decimal("95")))
                              for d in taken]


@pytest.mark.parametrize("credit, words", [
    (Credit("month", 10, None, "on"), REBATE.credit_month_on.format(day=READ.integer(10))),
    (Credit("year", 15, 3, "by"), REBATE.credit_year_by.format(date=READ.month_day(3, 15))),
    (Credit("year", 15, None, "on"), REBATE.credit_year.format(date=READ.month_day(1, 15))),
])
def test_every_way_of_naming_the_day_of_the_credit(credit, words):
    assert for_region(SCRIPT, region(amount=Decimal("100"), credit=credit), None)[1] == words
