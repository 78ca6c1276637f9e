"""How well the menus understand words: `python -m bench.speech` plays the utterance table (tests/utterances.yaml)
against the shipped prompts and prints the accuracy and the false-match rate.

Right: the utterance stands for the expected key (or for none where none is expected). A false match: it stands for a
key, and not the expected one; these are worse than words not understood, which the caller is simply asked again.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from ivr.content.version import load_hotline
from ivr.core.listening import choose

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "tests" / "utterances.yaml"
NONE = "none"


@dataclass(frozen=True)
class Outcome:
    node: str
    utterance: str
    expected: str
    got: str

    @property
    def right(self) -> bool:
        return self.got == self.expected

    @property
    def false_match(self) -> bool:
        return self.got != NONE and self.got != self.expected


@dataclass(frozen=True)
class Score:
    outcomes: list[Outcome]

    @property
    def accuracy(self) -> float:
        return sum(o.right for o in self.outcomes) / len(self.outcomes)

    @property
    def false_match_rate(self) -> float:
        return sum(o.false_match for o in self.outcomes) / len(self.outcomes)

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.right]


def load_table(path: Path = TABLE) -> list[tuple[str, str, str]]:
    """The table's rows as (node, utterance, expected key or none)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(node, str(utterance), str(expected)) for node, rows in data.items() for utterance, expected in rows]


def score(prompts: Path = ROOT / "prompts", data: Path = ROOT / "data", table: Path = TABLE) -> Score:
    script = load_hotline(prompts, data).script
    outcomes = []
    for node, utterance, expected in load_table(table):
        key = choose(script, script.nodes[node], utterance)
        outcomes.append(Outcome(node, utterance, expected, key if key is not None else NONE))
    return Score(outcomes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, default=TABLE)
    args = parser.parse_args(argv)
    result = score(table=args.table)
    print(f"utterances: {len(result.outcomes)}")
    print(f"accuracy: {result.accuracy:.1%}")
    print(f"false matches: {result.false_match_rate:.1%}")
    for miss in result.misses:
        print(f"  {miss.node}: {miss.utterance!r} expected {miss.expected}, got {miss.got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
