"""Filling a prompt template with values, where a sum of money is read by where it stands in the sentence.

A bank teller says jiu-shi-qi yuan zheng only when the amount ends what is said; inside a sentence (san yuan hou, ...)
the word zheng would break it in two. The template decides, not the code that fills it: an amount whose placeholder is followed by
the end of a sentence, or by the end of the template, is read alone; any other amount is read without zheng.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from decimal import Decimal

from ivr.core.reading import Reader

# The punctuation that ends a sentence, after which an amount has been said alone: the full-width full stop,
# exclamation mark, question mark and semicolon, and their ASCII forms.
SENTENCE_ENDS = frozenset("\u3002\uff01\uff1f\uff1b!?;")

_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Money:
    """A sum of money to be read by the reader, as the template's placement of it says."""

    value: Decimal | int | str


def ends_sentence(following: str, last: bool) -> bool:
    """Whether text that follows a placeholder closes the sentence: end punctuation, or nothing at all."""
    rest = following.lstrip()
    if not rest:
        return last
    return rest[0] in SENTENCE_ENDS


def fill(template: str, read: Reader, /, **values) -> str:
    """`template.format(**values)`, with each Money value read in words, with zheng only where the sentence ends."""
    parts = list(_FORMATTER.parse(template))
    out = []
    for index, (literal, field, spec, conversion) in enumerate(parts):
        out.append(literal)
        if field is None:
            continue
        value, _ = _FORMATTER.get_field(field, (), values)
        if isinstance(value, Money):
            last = index + 1 == len(parts)
            following = "" if last else parts[index + 1][0]
            value = read.amount(value.value, alone=ends_sentence(following, last))
        value = _FORMATTER.convert_field(value, conversion)
        out.append(_FORMATTER.format_field(value, spec))
    return "".join(out)
