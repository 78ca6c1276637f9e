"""The personal account's balance and its last credit, for a verified caller."""

from __future__ import annotations

from ivr.core.accounts import Account
from ivr.core.answers import AnswerKind, Context, Spoken, register
from ivr.core.filling import Money, fill
from ivr.core.templates import Model, Said, Template


class BalanceAnswers(Model):
    # The balance comes first; the date it stands at may be said in it, in the last credit, or on its own (as_of).
    text: Template("as_of", required=("balance",))
    overdrawn: Template("as_of", required=("amount",))
    last_credit: Template("as_of", required=("date", "amount"))
    as_of: Said("as_of")
    resident: str


@register
class Balance(AnswerKind):
    name = "balance"
    Templates = BalanceAnswers
    verified_caller = True

    def speak(self, call: Context) -> Spoken:
        return Spoken(balance(call.words, call.read, call.account))


def balance(words: BalanceAnswers, read, account: Account) -> list[str]:
    if account.scheme == "resident":
        return [words.resident]
    as_of = read.date(account.as_of)
    if account.balance < 0:
        # An account below zero owes money: a listener hears qian-fei and the sum, never a minus sign.
        headline = words.overdrawn
        spoken = [fill(headline, read, as_of=as_of, amount=Money(-account.balance))]
    else:
        headline = words.text
        spoken = [fill(headline, read, as_of=as_of, balance=Money(account.balance))]
    credit = account.last_credit_date and account.last_credit_amount is not None
    # The date the balance stands at is said once: in the headline, else in the last credit, else on its own.
    if "{as_of}" not in headline and not (credit and "{as_of}" in words.last_credit):
        spoken.append(words.as_of.format(as_of=as_of))
    if credit:
        spoken.append(fill(words.last_credit, read, as_of=as_of, date=read.date(account.last_credit_date),
                           amount=Money(account.last_credit_amount)))
    return spoken
