"""Engine replies rendered as TwiML: the same document twilio's VoiceResponse writes, written as a string.

Building VoiceResponse's element tree and serialising it cost about a third of a menu key's time in the app, so the
TwiML is written directly: the parts fixed by a version's settings (the voice of every Say) are built once per
voice, and a step fills in only its sentences and URLs. tests/unit/test_twiml.py holds the output byte for byte to
VoiceResponse's for every kind of reply.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from ivr.core.replies import Dial, Enqueue, Gather, Hangup, Reply
from ivr.core.script import Recognition, Settings

# How long the agent's phone may ring before Twilio gives up and calls the Dial action.
DIAL_TIMEOUT = 30
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def text(value: str) -> str:
    """Element text escaped as ElementTree escapes it."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


# What ElementTree escapes in an attribute value, in its order.
ATTRIBUTE_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\r", "&#13;"),
                     ("\n", "&#10;"), ("\t", "&#09;"))


def attribute(value) -> str:
    """An attribute value as twilio's TwiML writes it: booleans in lower case, then escaped as ElementTree does."""
    value = str(value).lower() if isinstance(value, bool) else str(value)
    for raw, escaped in ATTRIBUTE_ESCAPES:
        if raw in value:
            value = value.replace(raw, escaped)
    return value


def element(name: str, attributes: dict, inner: str = "") -> str:
    """One element with its attributes in sorted order (as twilio's TwiML sorts them); empty ones close themselves."""
    attrs = "".join(f' {key}="{attribute(attributes[key])}"' for key in sorted(attributes))
    return f"<{name}{attrs}>{inner}</{name}>" if inner else f"<{name}{attrs} />"


@lru_cache(maxsize=64)
def say_tags(language: str, voice: str) -> tuple[str, str, str]:
    """The opening of a Say with this voice, its closing, and the whole of an empty one: built once per voice."""
    start = element("Say", {"language": language, "voice": voice})[:-3]
    return start + ">", "</Say>", start + " />"


def says(sentences: tuple[str, ...], settings: Settings, rate: str | None = None) -> str:
    """Each sentence in a Say of the version's voice, read at `rate` (SSML <prosody>) where one is asked for and the
    voice reads SSML."""
    opening, closing, empty = say_tags(settings.language, settings.voice)
    if rate is not None and reads_ssml(settings.voice):
        return "".join(opening + element("prosody", {"rate": rate}, text(sentence)) + closing for sentence in sentences)
    return "".join(opening + text(sentence) + closing if sentence else empty for sentence in sentences)


def render(reply: Reply, settings: Settings, url: Callable[[str | None], str]) -> str:
    """TwiML for one reply; url(event) gives the webhook URL for the next step (event None, silence, dial or queue)
    and, for url("wait"), the wait URL of a caller in an agents' queue."""
    then = reply.then
    spoken = says(reply.says, settings, reply.rate)
    if isinstance(then, Gather):
        options = {
            "input": "dtmf",
            "action": url(None),
            "method": "POST",
            "timeout": then.timeout,
            "finishOnKey": then.finish_on_key,
            "actionOnEmptyResult": False,
        }
        if then.num_digits:
            options["numDigits"] = then.num_digits
        if then.hints is not None:
            options.update(listening(settings.recognition, then.hints))
        # Prompts go inside the Gather so that a key press interrupts them; Twilio runs the next verb when the caller
        # stays silent, without which the call would just end.
        verbs = element("Gather", options, spoken) + element("Redirect", {"method": "POST"}, text(url("silence")))
    elif isinstance(then, Dial):
        verbs = spoken + element("Dial", {"action": url("dial"), "method": "POST", "timeout": DIAL_TIMEOUT},
                                 text(then.number))
    elif isinstance(then, Enqueue):
        # Twilio requests the wait URL while the caller waits, and the action when they leave the queue (an agent's
        # call ended, they left for a call back, or hung up), with QueueResult saying which.
        verbs = spoken + element("Enqueue", {"action": url("queue"), "method": "POST", "waitUrl": url("wait"),
                                             "waitUrlMethod": "POST"}, text(then.queue))
    elif isinstance(then, Hangup):
        verbs = spoken + "<Hangup />"
    else:
        verbs = spoken
    return DECLARATION + element("Response", {}, verbs)


def listening(words: Recognition, hints: tuple[str, ...]) -> dict:
    """The Gather attributes that take words as well as keys; the Say keeps its own language and voice."""
    options = {
        "input": "dtmf speech",
        "language": words.language,
        "speechModel": words.model,
        # A fixed pause: "auto" cannot be tuned and cuts off callers who pause mid-sentence.
        "speechTimeout": words.timeout,
    }
    if hints:
        options["hints"] = ",".join(hints)
    return options


def reads_ssml(voice: str) -> bool:
    """Whether Twilio reads SSML inside <Say> with this voice: Amazon Polly and Google voices do, except Google's
    Chirp3-HD voices, which take no SSML at all, and Twilio's own basic voices (alice, man, woman)."""
    return voice.startswith("Polly.") or (voice.startswith("Google.") and "Chirp" not in voice)



def say(parent, text: str, voice: dict, rate: str | None) -> None:
    """One <Say> on a VoiceResponse element, read at `rate` (SSML <prosody>) where one is asked for and the voice reads
    SSML: the agents' queue (ivr.telephony.queueing) builds its rarer answers with twilio's own TwiML classes."""
    if rate is None or not reads_ssml(voice["voice"]):
        parent.say(text, **voice)
        return
    parent.say(**voice).prosody(text, rate=rate)
