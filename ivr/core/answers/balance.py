"""The personal account's balance and its last credit, for a verified caller."""

from __future__ import annotations

from ivr.core.accounts import Account
from ivr.core.answers import AnswerKind, Context, Spoken, register
from ivr.core.filling import Money, fill
from ivr.core.templates import Model, Said


class BalanceAnswers(Model):
    text: Said("as_of", "balance")
    overdrawn: Said("as_of", "amount")
    last_credit: Said("date", "amount")
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
        spoken = [fill(words.overdrawn, read, as_of=as_of, amount=Money(-account.balance))]
    else:
        spoken = [fill(words.text, read, as_of=as_of, balance=Money(account.balance))]
    if account.last_credit_date and account.last_credit_amount is not None:
        spoken.append(fill(words.last_credit, read, date=read.date(account.last_credit_date),
                           amount=Money(account.last_credit_amount)))
    return spoken
