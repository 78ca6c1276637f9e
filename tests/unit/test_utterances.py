"""The menus understand what callers say: the utterance table (tests/utterances.yaml) meets its aim."""

from bench.speech import NONE, load_table, score
from tests.prompts import SCRIPT

AIM_RIGHT = 0.95
AIM_FALSE_MATCHES = 0.01


def test_the_table_covers_every_menu_that_takes_words_with_near_misses():
    rows = load_table()
    assert len(rows) >= 150
    nodes = {node for node, _, _ in rows}
    assert {name for name, node in SCRIPT.nodes.items() if getattr(node, "say", None)} <= nodes
    assert sum(expected == NONE for _, _, expected in rows) >= 30


def test_the_table_is_understood_as_aimed():
    result = score()
    misses = "\n".join(f"{m.node}: {m.utterance} expected {m.expected}, got {m.got}" for m in result.misses)
    assert result.accuracy >= AIM_RIGHT, misses
    assert result.false_match_rate < AIM_FALSE_MATCHES, misses
