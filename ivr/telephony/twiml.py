"""Engine replies rendered as TwiML with twilio's VoiceResponse."""

from __future__ import annotations

from collections.abc import Callable

from twilio.twiml.voice_response import VoiceResponse

from ivr.core.replies import Dial, Gather, Hangup, Reply
from ivr.core.script import Recognition, Settings

# How long the agent's phone may ring before Twilio gives up and calls the Dial action.
DIAL_TIMEOUT = 30


def render(reply: Reply, settings: Settings, url: Callable[[str | None], str]) -> str:
    """TwiML for one reply; url(event) gives the webhook URL for the next step (event None, silence or dial)."""
    response = VoiceResponse()
    voice = {"language": settings.language, "voice": settings.voice}
    then = reply.then
    if isinstance(then, Gather):
        options = {
            "input": "dtmf",
            "action": url(None),
            "method": "POST",
            "timeout": then.timeout,
            "finish_on_key": then.finish_on_key,
            "action_on_empty_result": False,
        }
        if then.num_digits:
            options["num_digits"] = then.num_digits
        if then.hints is not None:
            options.update(listening(settings.recognition, then.hints))
        # Prompts go inside the Gather so that a key press interrupts them.
        gather = response.gather(**options)
        for text in reply.says:
            gather.say(text, **voice)
        # Twilio runs the next verb when the caller stays silent; without it the call would just end.
        response.redirect(url("silence"), method="POST")
    else:
        for text in reply.says:
            response.say(text, **voice)
        if isinstance(then, Dial):
            response.dial(then.number, action=url("dial"), method="POST", timeout=DIAL_TIMEOUT)
        elif isinstance(then, Hangup):
            response.hangup()
    return str(response)


def listening(words: Recognition, hints: tuple[str, ...]) -> dict:
    """The Gather attributes that take words as well as keys; the Say keeps its own language and voice."""
    options = {
        "input": "dtmf speech",
        "language": words.language,
        "speech_model": words.model,
        # A fixed pause: "auto" cannot be tuned and cuts off callers who pause mid-sentence.
        "speech_timeout": words.timeout,
    }
    if hints:
        options["hints"] = ",".join(hints)
    return options
