"""The engine's side of speech: words said in a node become the key they stand for, or a question, or a re-prompt.

The engine hands every `Said` event here (and any event while it waits for a yes or no to "did you mean ...?"); what
comes back is either a `Keys` event, which the engine then handles exactly as a key press, or a reply to speak. So a
menu needs nothing of its own to take words: its options' `say:` phrases are enough. Passwords are never taken by
speech: words at the password prompt are refused, and their text goes nowhere.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ivr.core import numbers
from ivr.core.events import Event, Keys, Said
from ivr.core.hotline import Hotline
from ivr.core.idnumber import check as check_id
from ivr.core.replies import Gather, Reply
from ivr.core.script import InputNode, Script
from ivr.core.state import State
from ivr.core.understanding import match

if TYPE_CHECKING:
    from ivr.core.engine import Engine

# The slot that holds the key the hotline was unsure of while it asks the caller to confirm it, and the one that holds
# the reference of an ID number said aloud while it is read back. Each lasts one step.
UNSURE, HEARD_ID = "unsure", "heard_id"
# How an ID number is read back: the birthplace, the birth date, then the sequence and check character.
ID_GROUPS = (6, 8, 4)


def global_words(script: Script) -> dict[str, tuple[str, ...]]:
    """The words of the global keys, by key: repeat, main menu, agent."""
    keys, words = script.settings.keys, script.settings.recognition
    return {keys.repeat: tuple(words.repeat), keys.main: tuple(words.main), keys.agent: tuple(words.agent)}


def option_words(node) -> dict[str, tuple[str, ...]]:
    """The phrases of each option of a node, by key."""
    return {key: tuple(said) for key, said in getattr(node, "say", {}).items() if said}


def phrases(script: Script, node) -> dict[str, tuple[str, ...]]:
    """Every phrase a caller may say in the node, by the key it stands for; an option's own words come first."""
    found = dict(global_words(script))
    for key, said in option_words(node).items():
        found[key] = said + found.get(key, ())
    return found


def takes_words(node) -> bool:
    """Whether a node listens to speech at all: every node but the password entry."""
    return not (isinstance(node, InputNode) and node.collect == "password")


def hints(script: Script, name: str) -> tuple[str, ...] | None:
    """The phrases Twilio's recogniser should expect in a node (its `hints`), or None where only keys are taken."""
    node = script.nodes[name]
    if not takes_words(node):
        return None
    said = [phrase for words in phrases(script, node).values() for phrase in words]
    return tuple(dict.fromkeys(said))


def listen(hotline: Hotline, state: State, reply: Reply) -> Reply:
    """The reply, listening for words as well as keys where the call's line turns speech on and the node takes them."""
    then = reply.then
    line = hotline.lines.lines.get(state.line)
    if not isinstance(then, Gather) or line is None or not line.speech or reply.node not in hotline.script.nodes:
        return reply
    said = hints(hotline.script, reply.node)
    return reply if said is None else replace(reply, then=replace(then, hints=said))


def label(script: Script, node, key: str) -> str:
    """How the hotline names an option when it asks whether it understood: its first phrase."""
    said = phrases(script, node).get(key)
    return said[0] if said else key


def choices(script: Script, node) -> str:
    """The options a caller may say in a node, each by its first phrase, for the re-prompt after words not understood."""
    return script.messages.speech_separator.join(words[0] for words in option_words(node).values())


def forget(state: State) -> None:
    """Whatever the hotline asked about lasts one step: silence or anything else leaves nothing to confirm."""
    state.slots.pop(UNSURE, None)
    state.slots.pop(HEARD_ID, None)


def understand(engine: Engine, state: State, node, event: Event) -> Event | Reply:
    """The key an event stands for in the node, or the reply that asks again."""
    unsure, heard_id = state.slots.pop(UNSURE, None), state.slots.pop(HEARD_ID, None)
    if unsure is not None or heard_id is not None:
        answered = _confirmation(engine.script, event)
        if answered is True and heard_id is not None and isinstance(node, InputNode):
            return engine._id_accepted(state, node, heard_id)
        if answered is True and unsure is not None:
            return Keys(unsure)
        if answered is False:
            return _again(engine, state)
    if not isinstance(event, Said):
        return event
    if isinstance(node, InputNode):
        return _entry(engine, state, node, event)
    key = choose(engine.script, node, event.text)
    if key is None:
        return _not_understood(engine, state, node)
    if event.confidence < engine.script.settings.recognition.confidence:
        state.slots[UNSURE] = key
        question = engine._fill(state, engine.messages.speech_confirm, choice=label(engine.script, node, key))
        return engine._menu_gather([question], state.node)
    return Keys(key)


def choose(script: Script, node, text: str) -> str | None:
    """The one key an utterance stands for in a menu: a key said by its number alone ("press two"), or the key whose
    phrases it says; None when it says none or several."""
    words = script.settings.recognition
    known = phrases(script, node).keys() | getattr(node, "options", {}).keys()
    said = numbers.spoken_digits(text, words)
    if said is not None and len(said) == 1:
        # A digit no option is on is not understood, rather than a key pressed by mistake.
        return said if said in known else None
    return match(text, phrases(script, node), words.same_as).key


def _confirmation(script: Script, event: Event) -> bool | None:
    """Yes (True), no (False) or neither (None) to "did you mean ...?", keyed or said."""
    words = script.settings.recognition
    if isinstance(event, Keys):
        return {words.yes_key: True, words.no_key: False}.get(event.digits)
    if isinstance(event, Said):
        heard = match(event.text, {"yes": tuple(words.yes_words), "no": tuple(words.no_words)}, words.same_as)
        return {"yes": True, "no": False}.get(heard.key)
    return None


def _again(engine: Engine, state: State) -> Reply:
    """The caller said no to the hotline's guess: the whole menu again, not counted as a wrong key."""
    return engine._enter(state, state.node, [], full=True)


def _not_understood(engine: Engine, state: State, node) -> Reply:
    """Words that matched no option or several: a wrong key, re-prompted with the words the menu understands."""
    options = choices(engine.script, node)
    if not options:
        return engine._nomatch(state, node)
    state.nomatch += 1
    if state.nomatch >= engine.settings.limits.nomatch:
        return engine._give_up(state, "nomatch")
    return engine._menu_gather([engine._fill(state, engine.messages.speech_nomatch, choices=options)], state.node)


def _entry(engine: Engine, state: State, node: InputNode, event: Said) -> Event | Reply:
    """Words at an entry: the global words, a number said aloud where that is safe, never a password."""
    if not takes_words(node):
        # The text is dropped here: it is neither stored, nor logged, nor answered with.
        prompt = engine._fill(state, node.prompt)
        return engine._input_gather([engine.messages.password_keys_only, prompt], state.node)
    words = engine.settings.recognition
    heard = match(event.text, global_words(engine.script), words.same_as)
    if heard.key == engine.settings.keys.main:
        # The main menu's key is also a digit of the entry, where it is keyed as one; its words can only mean home.
        return engine._main(state, [])
    if heard.key is not None:
        return Keys(heard.key)
    digits = numbers.entry(node.collect, event.text, words, engine.hotline.regions)
    if not digits:
        return engine._nomatch(state, node)
    if node.collect == "id_number":
        return _read_back(engine, state, digits)
    return Keys(digits)


def _read_back(engine: Engine, state: State, digits: str) -> Event | Reply:
    """An ID number said aloud is read back in groups before it is used; one that fails its checks is told as keyed."""
    result = check_id(digits, today=engine._today())
    if not result.ok:
        return Keys(digits)
    # Only the reference is kept until the caller confirms; the number itself is in this one answer, never stored.
    state.slots[HEARD_ID] = engine.backend.reference(result.number)
    groups, start = [], 0
    for size in ID_GROUPS:
        groups.append(engine.read.digits(result.number[start:start + size]))
        start += size
    sentence = engine._fill(state, engine.messages.id_readback, groups=engine.messages.speech_separator.join(groups))
    return replace(engine._menu_gather([sentence], state.node), personal=True)
