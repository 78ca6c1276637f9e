"""The personal account's balance and its last credit, for a verified caller."""

from __future__ import annotations

from ivr.core.accounts import Account
from ivr.core.answers import AnswerKind, Context, Spoken, register
from ivr.core.templates import Model, Said


class BalanceAnswers(Model):
    text: Said("as_of", "balance")
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
    spoken = [words.text.format(as_of=read.date(account.as_of), balance=read.amount(account.balance))]
    if account.last_credit_date and account.last_credit_amount is not None:
        spoken.append(words.last_credit.format(date=read.date(account.last_credit_date), amount=read.amount(account.last_credit_amount)))
    return spoken
