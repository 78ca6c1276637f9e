"""What callers hear, read once from the demo prompts for every test that checks it.

Tests compare what a caller heard with these sentences, filled with the facts the test is about (an amount, a region,
an hour), so that an operator's rewording of prompts/*.yaml breaks no test while a wrong amount or region does.
"""

from __future__ import annotations

import re
from pathlib import Path

from ivr.content.version import load_hotline

ROOT = Path(__file__).resolve().parents[1]
HOTLINE = load_hotline(ROOT / "prompts", ROOT / "data")
SCRIPT = HOTLINE.script
SETTINGS, NODES, MESSAGES, ANSWERS, READ = SCRIPT.settings, SCRIPT.nodes, SCRIPT.messages, SCRIPT.answers, SCRIPT.reader
KEYS = SETTINGS.keys

MAIN = NODES[SETTINGS.start]
ASK_ID = NODES[SETTINGS.identify].prompt
ASK_PASSWORD = NODES["ask_password"].prompt
ENTRY_HELP = NODES["entry_help"].prompt
AGENT_BUSY = NODES[SETTINGS.agent_busy].prompt
ASK_AGE = NODES["rebate_age"].prompt
ASK_AREA_CODE = NODES["rebate_area_code"].prompt
# What the balance and payments answers end with: the options in full after a call's first answer, then short.
AFTER = {name: NODES[name].after for name in ("balance", "payments", "rebate")}
AFTER_SHORT = {name: NODES[name].after_short or NODES[name].after for name in ("balance", "payments", "rebate")}
BALANCE, PAYMENTS, REBATE = ANSWERS.balance, ANSWERS.payments, ANSWERS.rebate

# The reset ways each demo line tells at the password's help (data/lines.yaml), in the order they are said.
RESET_WAYS = {"beijing": ("counter", "app"), "shanghai": ("app", "counter", "agent")}


def literal(template: str) -> str:
    """The longest stretch of a template between its {placeholders}: what a caller hears of it whatever is filled in."""
    return max(re.split(r"\{[^}]*\}", template), key=len)


def wrong_key(node: str, n: int = 1) -> str:
    """The n-th wrong key's apology in a node: its own, or the default one."""
    return (NODES[node].nomatch or MESSAGES.nomatch)[n - 1]


def silence(node: str, n: int = 1) -> str:
    """The n-th silence's apology in a node: its own, or the default one."""
    return (NODES[node].noinput or MESSAGES.noinput)[n - 1]


def rebate_where(line_region: str) -> str:
    """The rebate's first question to a caller who has not identified: the line's region by name, or another."""
    return NODES["rebate_where"].prompt.format(line_region=line_region)


def ask_age(region: str) -> str:
    return ASK_AGE.format(region=region)


def password_help(line: str = "beijing") -> str:
    """The password prompt's help on a line: how to reset a forgotten password there, then the keys."""
    ways = MESSAGES.password_reset_or.join(getattr(MESSAGES.password_reset_ways, way) for way in RESET_WAYS[line])
    return NODES["password_help"].prompt.format(password_reset=MESSAGES.password_reset.format(ways=ways))


def hours(*periods: tuple[str, tuple[int, int], tuple[int, int]]) -> str:
    """Agent hours as said outside them: (days, start, end) per period, the days named once for a run of periods."""
    said, previous = [], None
    for days, start, end in periods:
        named = "" if days == previous else getattr(MESSAGES.days, days)
        previous = days
        said.append(MESSAGES.hours_period.format(days=named, hours=READ.clock_range(start, end)))
    return MESSAGES.agent_closed.format(hours=MESSAGES.hours_separator.join(said))


# Beijing's agents answer on weekdays 8:00-12:00 and 14:30-17:30 (data/lines.yaml).
BEIJING_HOURS = hours(("weekdays", (8, 0), (12, 0)), ("weekdays", (14, 30), (17, 30)))


def next_opening(day: str, hour: int, minute: int = 0) -> str:
    """When agents next answer: `day` is today, tomorrow, or a weekday's index (Monday 0)."""
    word = getattr(MESSAGES, day) if isinstance(day, str) else MESSAGES.weekday_names[day]
    return MESSAGES.agent_next.format(when=word + READ.clock(hour, minute))


def wrong_password(remaining: int) -> str:
    return NODES["ask_password"].errors["wrong"].format(remaining=READ.count(remaining))

# What a right password is answered with before the answer: messages.verified when the operators keep one (the demo
# prompts leave it empty, so that the answer itself comes at once).
VERIFIED = [MESSAGES.verified] if MESSAGES.verified else []


def accepted(said: list[str], node: str = "balance") -> bool:
    """Whether `said` is what a right password gets: `verified` (if any), then the answer of `node` and its options."""
    said = list(said)
    if said[: len(VERIFIED)] != VERIFIED or len(said) <= len(VERIFIED):
        return False
    # The options, after the paging keys that fit the page (payments) and nothing else: a menu that happens to end
    # with the same words is not an answer.
    hints = ("", PAYMENTS.next_hint, PAYMENTS.previous_hint, PAYMENTS.next_hint + PAYMENTS.previous_hint)
    return any(said[-1] == hint + after for hint in hints for after in (AFTER[node], AFTER_SHORT[node]))
