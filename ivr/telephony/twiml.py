"""Engine replies rendered as TwiML with twilio's VoiceResponse."""

from __future__ import annotations

from collections.abc import Callable

from twilio.twiml.voice_response import VoiceResponse

from ivr.core.replies import Dial, Enqueue, Gather, Hangup, Reply
from ivr.core.script import Recognition, Settings

# How long the agent's phone may ring before Twilio gives up and calls the Dial action.
DIAL_TIMEOUT = 30


def render(reply: Reply, settings: Settings, url: Callable[[str | None], str]) -> str:
    """TwiML for one reply; url(event) gives the webhook URL for the next step (event None, silence, dial or queue)
    and, for url("wait"), the wait URL of a caller in an agents' queue."""
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
            say(gather, text, voice, reply.rate)
        # Twilio runs the next verb when the caller stays silent; without it the call would just end.
        response.redirect(url("silence"), method="POST")
    else:
        for text in reply.says:
            say(response, text, voice, reply.rate)
        if isinstance(then, Dial):
            response.dial(then.number, action=url("dial"), method="POST", timeout=DIAL_TIMEOUT)
        elif isinstance(then, Enqueue):
            # Twilio requests the wait URL while the caller waits, and the action when they leave the queue (an
            # agent's call ended, they left for a call back, or hung up), with QueueResult saying which.
            response.enqueue(then.queue, action=url("queue"), method="POST", wait_url=url("wait"),
                             wait_url_method="POST")
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


def reads_ssml(voice: str) -> bool:
    """Whether Twilio reads SSML inside <Say> with this voice: Amazon Polly and Google voices do, except Google's
    Chirp3-HD voices, which take no SSML at all, and Twilio's own basic voices (alice, man, woman)."""
    return voice.startswith("Polly.") or (voice.startswith("Google.") and "Chirp" not in voice)


def say(parent, text: str, voice: dict, rate: str | None) -> None:
    """One <Say>, read at `rate` (SSML <prosody>) where one is asked for and the voice reads SSML."""
    if rate is None or not reads_ssml(voice["voice"]):
        parent.say(text, **voice)
        return
    parent.say(**voice).prosody(text, rate=rate)
