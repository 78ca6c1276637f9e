"""Reading prompts/*.yaml into the engine's script: merged across files, validated, every problem at file:line:column."""

from __future__ import annotations

import string
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ivr.content.explain import explain, explain_all, suggest, where
from ivr.content.followups import check_followups
from ivr.content.labels import built, check_labels, label_of, locate_built
from ivr.content.yamlsource import Located, Mark, SourceError, display_name, read
from ivr.core import answers
from ivr.core.reading import Reader, Writer
from ivr.core.script import (
    ACTIONS,
    CALLBACK,
    CALLER_ACTIONS,
    INPUT_ERRORS,
    SECTIONS,
    TEXT_ACTION,
    AnswerNode,
    Goto,
    InputNode,
    MenuNode,
    SayNode,
    Script,
    ScriptModel,
    script_model,
)
from ivr.core.templates import Placeholders
from ivr.core.understanding import plain


def load_script(folder: Path) -> Script:
    """Read every prompts/*.yaml file; raise SourceError naming file:line:column on any problem."""
    model, _, errors = validate(folder)
    fatal = [error for error in errors if not error.warning]
    if fatal:
        raise fatal[0]
    return Script(model, Reader(model.reading))


def check_script(folder: Path) -> list[SourceError]:
    """Every problem found in the prompts folder, errors and warnings, in file order."""
    return validate(folder)[2]


def validate(folder: Path) -> tuple[ScriptModel | None, Located | None, list[SourceError]]:
    """The validated model (None when it does not validate), where its values stand, and every problem."""
    try:
        merged, located = _merge(folder)
    except SourceError as error:
        return None, None, [error]
    try:
        model = script_model().model_validate(merged)
    except ValidationError as exc:
        return None, located, explain_all(exc, merged, located, script_model())
    problems = []
    try:
        reader = Reader(model.reading)
        Writer(model.reading)
    except ValueError as exc:
        reader = None
        problems.append(SourceError(located.mark(("reading",)), "reading_incomplete", detail=str(exc)))
    problems += _check_references(model, located)
    problems += _check_placeholders(model, located)
    problems += check_labels(model, located)
    if reader is None:
        # Without the words for the keys no prompt can be built; the lexicon's own problem is told above.
        return model, located, problems
    locate_built(model, located)
    return built(model, reader), located, problems


def _merge(folder: Path) -> tuple[dict, Located]:
    files = sorted(Path(folder).glob("*.yaml"))
    if not files:
        raise SourceError(Mark(str(folder), 1, 1), "no_yaml_files")
    merged: dict = {}
    marks: dict = {}
    key_marks: dict = {}
    conversions: dict = {}
    for path in files:
        source = read(path, display=_display(path))
        if not isinstance(source.data, dict):
            raise SourceError(source.mark(()), "file_not_mapping", sections=", ".join(SECTIONS))
        for section, body in source.data.items():
            if section not in SECTIONS:
                raise SourceError(source.key_marks.get((section,)), "unknown_section", name=section,
                                  sections=", ".join(SECTIONS), suggest=_suggest(section, SECTIONS))
            if not isinstance(body, dict):
                raise SourceError(source.mark((section,)), "section_not_mapping", name=section)
            target = merged.setdefault(section, {})
            for name, value in body.items():
                if name in target:
                    first = key_marks.get((section, name))
                    raise SourceError(source.key_marks.get((section, name)), "defined_twice", name=f"{section}.{name}", first=first)
                target[name] = value
        marks.update(source.marks)
        key_marks.update(source.key_marks)
        conversions.update(source.conversions)
    return merged, Located(merged, marks, key_marks, conversions)


def _display(path: Path) -> str:
    return display_name(path)


def _suggest(word, choices) -> str:
    return suggest(word, choices)


def _explain(error: dict, data, located: Located) -> SourceError:
    """Turn one pydantic error into a sentence at the line of the offending value (see ivr.content.explain)."""
    return explain(error, data, located, script_model())


def _where(path) -> str:
    return where(path)


def _check_references(model: ScriptModel, located: Located) -> list[SourceError]:
    """Every name that must lead somewhere does, and every node has what its type and kind need."""
    nodes = model.nodes
    problems = _missing(nodes, model.settings.start, ("settings", "start"), located)
    problems += _missing(nodes, model.settings.identify, ("settings", "identify"), located)
    for setting in ("agent_busy", "rating", "agent_closed", "queue_busy"):
        if getattr(model.settings, setting) is not None:
            problems += _missing(nodes, getattr(model.settings, setting), ("settings", setting), located)
    problems += _converted_keys(located)
    global_keys = _global_keys(model, located, problems)
    for name, node in nodes.items():
        for key, target in getattr(node, "options", {}).items():
            problems += _check_option(nodes, name, node, key, target, global_keys, located)
        if isinstance(node, (InputNode, SayNode)) and node.next is not None:
            problems += _missing(nodes, node.next, ("nodes", name, "next"), located)
        if isinstance(node, InputNode):
            problems += _check_input(model, name, node, located)
        if isinstance(node, AnswerNode):
            problems += _check_answer(nodes, name, node, located)
        problems += _check_say(model, name, node, located)
    return (problems + _one_key_map(nodes, located) + _callback_on_leave_key(model, located)
            + _check_confirm(model, located) + check_followups(model, located))


def _check_say(model: ScriptModel, name: str, node, located: Located) -> list[SourceError]:
    """Each node's words: for its own options, and no phrase for two keys (with the global words), nor an empty one."""
    problems = []
    options = getattr(node, "options", {})
    words = model.settings.recognition
    keys = model.settings.keys
    owner = {plain(phrase, words.same_as): (f"settings.recognition.{role}", key)
             for role, key in (("repeat", keys.repeat), ("main", keys.main), ("agent", keys.agent))
             for phrase in getattr(words, role)}
    said_for = []
    for key, phrases in getattr(node, "say", {}).items():
        path = ("nodes", name, "say", key)
        if key not in options:
            # A warning: the words lead nowhere (a wrong key when said), which harms no call.
            problems.append(SourceError(located.key_mark(path), "say_no_option", warning=True, where=_where(path),
                                        key=key))
        for index, phrase in enumerate(phrases):
            if not plain(phrase, words.same_as):
                problems.append(SourceError(located.mark(path + (index,)), "phrase_empty", where=_where(path)))
                continue
            said_for.append((path + (index,), key, phrase))
    # An option's label is said for its key as well; a clash is told at the label, as a rule the entry just added.
    # An empty label is told by the label checks.
    said_for += [(("nodes", name, "options", key, "label"), key, label_of(target))
                 for key, target in options.items() if plain(label_of(target) or "", words.same_as)]
    for path, key, phrase in said_for:
        here = path[:-1] if isinstance(path[-1], int) else path
        other, other_key = owner.setdefault(plain(phrase, words.same_as), (_where(here), key))
        if other_key != key:
            problems.append(SourceError(located.mark(path), "phrase_twice", where=_where(here), phrase=phrase,
                                        key=key, other=other))
    return problems


def _one_key_map(nodes: dict, located: Located) -> list[SourceError]:
    """Each action has one key in every node, and a paging key means nothing else anywhere."""
    return _actions_on_one_key(nodes, located) + _reserved_keys_kept(nodes, located)


def _callback_on_leave_key(model: ScriptModel, located: Located) -> list[SourceError]:
    """A call back is asked for with one key: the one that leaves the agents' queue, in every menu that offers it."""
    leave = model.settings.queue.leave_key
    return [SourceError(located.key_mark(("nodes", name, "options", key)), "callback_key_differs",
                        where=_where(("nodes", name, "options", key)), key=key, leave=leave)
            for name, key, go in _options(model.nodes) if go == CALLBACK and key != leave]


def _options(nodes: dict):
    """Every option as (node name, key, the node or action it goes to)."""
    for name, node in nodes.items():
        for key, target in getattr(node, "options", {}).items():
            yield name, key, target.go if isinstance(target, Goto) else target


def _actions_on_one_key(nodes: dict, located: Located) -> list[SourceError]:
    problems = []
    first_key: dict[str, tuple[str, str]] = {}
    for name, key, go in _options(nodes):
        if go not in ACTIONS:
            continue
        first, owner = first_key.setdefault(go, (key, name))
        if first != key:
            path = ("nodes", name, "options", key)
            problems.append(SourceError(located.key_mark(path), "action_key_differs", where=_where(path), action=go,
                                        first=first, other=f"nodes.{owner}", key=key))
    return problems


def _reserved_keys_kept(nodes: dict, located: Located) -> list[SourceError]:
    # Paging, and the text message after an answer: each key of theirs means nothing else anywhere.
    reserved = {action for kind in answers.KINDS.values() for action in kind.reserved_actions} | {TEXT_ACTION}
    owners: dict[str, tuple[str, str]] = {}
    for name, key, go in _options(nodes):
        if go in reserved:
            owners.setdefault(key, (go, name))
    problems = []
    for name, key, go in _options(nodes):
        owner = owners.get(key)
        if owner is not None and go != owner[0]:
            path = ("nodes", name, "options", key)
            problems.append(SourceError(located.key_mark(path), "reserved_key_elsewhere", where=_where(path), key=key,
                                        action=owner[0], other=f"nodes.{owner[1]}"))
    return problems


def _missing(nodes: dict, target: str, path: tuple, located: Located) -> list[SourceError]:
    if target in nodes:
        return []
    return [SourceError(located.mark(path), "no_such_node", where=_where(path), target=target,
                        suggest=_suggest(target, list(nodes) + list(ACTIONS)))]


def _converted_keys(located: Located) -> list[SourceError]:
    # 04: becomes the key "4" without a word; the operator must see that it is not what was typed.
    return [SourceError(conversion.mark, "converted_value", where=_where(path[:3]), text=conversion.text, value=conversion.value)
            for path, conversion in located.conversions.items()
            if len(path) == 4 and path[0] == "nodes" and path[2] == "options"]


def _global_keys(model: ScriptModel, located: Located, problems: list[SourceError]) -> dict[str, str]:
    """The global keys by key, noting a clash between them in problems."""
    keys = model.settings.keys
    global_keys = {keys.repeat: "repeat", keys.agent: "agent", keys.main: "main"}
    if len(global_keys) < 3:
        problems.append(SourceError(located.mark(("settings", "keys")), "global_keys_clash"))
    return global_keys


def _check_option(nodes: dict, name: str, node, key: str, target, global_keys: dict, located: Located) -> list[SourceError]:
    path = ("nodes", name, "options", key)
    problems = []
    if key in global_keys:
        problems.append(SourceError(located.key_mark(path), "global_key_option", where=f"nodes.{name}.options",
                                    key=key, role=global_keys[key]))
    go = target.go if isinstance(target, Goto) else target
    if go not in ACTIONS:
        return problems + _missing(nodes, go, path, located)
    owners = [kind.name for kind in answers.KINDS.values() if go in kind.actions]
    answer = node.answer if isinstance(node, AnswerNode) else None
    # In a node of an unknown kind, the kind is the mistake (reported with the node), not its keys.
    if owners and answer not in owners and (answer is None or answer in answers.KINDS):
        problems.append(SourceError(located.mark(path), "action_here", where=_where(path), action=go, kinds=", ".join(owners)))
    return problems


def _check_input(model: ScriptModel, name: str, node: InputNode, located: Located) -> list[SourceError]:
    problems = []
    if node.help is not None:
        problems += _missing(model.nodes, node.help, ("nodes", name, "help"), located)
    length = model.settings.password.length
    if node.collect == "password" and node.ends_after not in (None, length):
        problems.append(SourceError(located.mark(("nodes", name, "ends_after")), "ends_after_length",
                                    where=f"nodes.{name}.ends_after", length=length, ends_after=node.ends_after))
    if node.next is None and node.collect != "password":
        problems.append(SourceError(located.mark(("nodes", name)), "input_needs_next", where=f"nodes.{name}"))
    for needed in INPUT_ERRORS[node.collect]:
        if needed not in node.errors:
            problems.append(SourceError(located.mark(("nodes", name, "errors")), "missing_error_sentence",
                                        where=f"nodes.{name}.errors", name=needed))
    wrong = node.errors.get("wrong")
    if node.collect == "password" and wrong is not None and "remaining" not in (placeholders_in(wrong) or ()):
        problems.append(SourceError(located.mark(("nodes", name, "errors", "wrong")), "placeholder_not_said",
                                    where=f"nodes.{name}.errors.wrong", name="remaining"))
    return problems


def _check_answer(nodes: dict, name: str, node: AnswerNode, located: Located) -> list[SourceError]:
    """The answer names a registered kind, and its node names a collect node for every slot the kind may ask for."""
    kind = answers.KINDS.get(node.answer)
    if kind is None:
        path = ("nodes", name, "answer")
        return [SourceError(located.mark(path), "unknown_answer", where=_where(path), name=node.answer,
                            kinds=", ".join(answers.KINDS), suggest=_suggest(node.answer, answers.KINDS))]
    problems = []
    for slot, target in node.collect.items():
        problems += _missing(nodes, target, ("nodes", name, "collect", slot), located)
    for slot in kind.collects:
        if slot not in node.collect:
            problems.append(SourceError(located.mark(("nodes", name)), "answer_needs_collect", where=f"nodes.{name}",
                                        kind=kind.name, slot=slot))
    return problems


def _check_confirm(model: ScriptModel, located: Located) -> list[SourceError]:
    """The question for callers from a registered mobile: a menu whose prompt says {id_tail}, whose yes leads to the
    password after the ID node; it alone answers with its_me and not_me, and it alone may say {id_tail}."""
    nodes, confirm = model.nodes, model.settings.confirm
    if confirm is not None and confirm not in nodes:
        return _missing(nodes, confirm, ("settings", "confirm"), located)
    if confirm is not None and not isinstance(nodes[confirm], MenuNode):
        return [SourceError(located.mark(("settings", "confirm")), "confirm_not_menu", target=confirm)]
    problems = [problem for name, node in nodes.items() if name != confirm
                for problem in _confirm_only(name, node, located)]
    return problems if confirm is None else problems + _check_question(model, confirm, located)


def _check_question(model: ScriptModel, confirm: str, located: Located) -> list[SourceError]:
    """The menu settings.confirm names says the tail, answers both ways, and has a password to go on to."""
    problems = []
    node = model.nodes[confirm]
    said = placeholders_in(node.prompt or "")
    # Unbalanced braces (None) are told by the placeholder checks.
    if said is not None and "id_tail" not in said:
        problems.append(SourceError(located.mark(("nodes", confirm, "prompt")), "placeholder_not_said",
                                    where=f"nodes.{confirm}.prompt", name="id_tail"))
    answered = {target.go if isinstance(target, Goto) else target for target in node.options.values()}
    for action in CALLER_ACTIONS:
        if action not in answered:
            problems.append(SourceError(located.mark(("nodes", confirm, "options")), "confirm_option_missing",
                                        where=f"nodes.{confirm}.options", action=action))
    identify = model.nodes.get(model.settings.identify)
    if not (isinstance(identify, InputNode) and identify.collect == "id_number"):
        problems.append(SourceError(located.mark(("settings", "identify")), "confirm_needs_id_input",
                                    target=model.settings.identify))
    return problems


def _confirm_only(name: str, node, located: Located) -> list[SourceError]:
    """What a node other than settings.confirm takes from it: the caller's answers and the ID's tail."""
    problems = []
    for key, target in getattr(node, "options", {}).items():
        go = target.go if isinstance(target, Goto) else target
        if go in CALLER_ACTIONS:
            path = ("nodes", name, "options", key)
            problems.append(SourceError(located.mark(path), "caller_action_here", where=_where(path), action=go))
    for field_name in ("greeting", "prompt", "short"):
        text = getattr(node, field_name, None) if isinstance(node, MenuNode) else None
        if text and "id_tail" in (placeholders_in(text) or ()):
            path = ("nodes", name, field_name)
            problems.append(SourceError(located.mark(path), "id_tail_here", where=_where(path)))
    return problems


def _check_placeholders(model: BaseModel, located: Located, path: tuple = ()) -> list[SourceError]:
    """Walk every template and report {names} the hotline does not provide, or required ones it does not say."""
    problems = []
    for field_name, info in type(model).model_fields.items():
        if path == () and field_name == "reading":
            # The reading lexicon's templates are checked by Reader itself.
            continue
        value = getattr(model, field_name)
        rules = _placeholder_rules(info)
        here = path + (field_name,)
        problems += _check_value(value, rules, located, here)
    return problems


def _check_value(value, rules, located, path) -> list[SourceError]:
    if isinstance(value, BaseModel):
        return _check_placeholders(value, located, path)
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _check_value(item, rules, located, path + (key,))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _check_value(item, rules, located, path + (index,))]
    if isinstance(value, str):
        problem = _template_problem(value, rules, located, path)
        return [problem] if problem else []
    return []


def _template_problem(text: str, rules: Placeholders | None, located: Located, path: tuple) -> SourceError | None:
    """What is wrong with one template's {placeholders}: unbalanced, unknown here, or a required one left unsaid."""
    names = placeholders_in(text)
    if names is None:
        return SourceError(located.mark(path), "unbalanced_braces", where=_where(path))
    allowed = rules.names if rules else frozenset()
    unknown = names - allowed
    if unknown:
        offered = ", ".join("{%s}" % n for n in sorted(allowed)) or "-"
        name = sorted(unknown)[0]
        close = _suggest(name, allowed)
        return SourceError(located.mark(path), "unknown_placeholder", where=_where(path), name=name,
                           available=offered, suggest=close and "{%s}" % close)
    unsaid = (rules.required if rules else frozenset()) - names
    if unsaid:
        return SourceError(located.mark(path), "placeholder_not_said", where=_where(path), name=sorted(unsaid)[0])
    return None


def _placeholder_rules(info) -> Placeholders | None:
    for annotation in [info.annotation, *info.metadata]:
        found = _find_placeholders(annotation)
        if found is not None:
            return found
    return None


def _find_placeholders(annotation) -> Placeholders | None:
    if isinstance(annotation, Placeholders):
        return annotation
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Placeholders):
            return meta
    for arg in getattr(annotation, "__args__", ()):
        found = _find_placeholders(arg)
        if found is not None:
            return found
    return None


def placeholders_in(text: str) -> frozenset | None:
    """The {names} in a template, or None when its braces do not parse."""
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)
    except ValueError:
        return None
