"""The TwiML written as a string is byte for byte the document twilio's VoiceResponse writes for the same reply."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.twiml.voice_response import VoiceResponse

from ivr.content.version import load_hotline
from ivr.core.replies import Dial, Enqueue, Gather, Hangup, Reply
from ivr.telephony import twiml

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = load_hotline(ROOT / "prompts", ROOT / "data").script.settings


def with_voice_response(reply: Reply, settings, url) -> str:
    """The reference: the reply built with twilio's VoiceResponse, as the webhooks once did."""
    response = VoiceResponse()
    voice = {"language": settings.language, "voice": settings.voice}
    then = reply.then
    if isinstance(then, Gather):
        options = {"input": "dtmf", "action": url(None), "method": "POST", "timeout": then.timeout,
                   "finish_on_key": then.finish_on_key, "action_on_empty_result": False}
        if then.num_digits:
            options["num_digits"] = then.num_digits
        if then.hints is not None:
            words = settings.recognition
            options.update(input="dtmf speech", language=words.language, speech_model=words.model,
                           speech_timeout=words.timeout)
            if then.hints:
                options["hints"] = ",".join(then.hints)
        gather = response.gather(**options)
        for sentence in reply.says:
            twiml.say(gather, sentence, voice, reply.rate)
        response.redirect(url("silence"), method="POST")
    else:
        for sentence in reply.says:
            twiml.say(response, sentence, voice, reply.rate)
        if isinstance(then, Dial):
            response.dial(then.number, action=url("dial"), method="POST", timeout=twiml.DIAL_TIMEOUT)
        elif isinstance(then, Enqueue):
            response.enqueue(then.queue, action=url("queue"), method="POST", wait_url=url("wait"),
                             wait_url_method="POST")
        elif isinstance(then, Hangup):
            response.hangup()
    return str(response)


def url(event: str | None) -> str:
    return "https://hotline.example.org/voice/step?seq=7" + (f"&event={event}" if event else "")


REPLIES = [
    Reply(("您好，欢迎致电医保服务热线。", "查询余额请按1，返回主菜单请按9。"), Gather(8, "#", None), "main"),
    Reply(("请输入六位密码。",), Gather(10, "#", 6), "ask_password"),
    Reply(("余额请说或按1",), Gather(5, "", 1, ("余额", "缴费记录", "返钱")), "main"),
    Reply(("请说",), Gather(5, "#", None, ()), "main"),
    Reply(("正在为您转接人工服务。",), Dial("+861012333"), "agent"),
    Reply(("感谢您的来电，再见。",), Hangup(), "goodbye"),
    Reply((), Hangup(), "goodbye"),
    Reply(("", "一"), Gather(5, "#", None), "main"),
    Reply(("正在为您转接人工服务，请稍候。",), Enqueue("shenzhen"), "main"),
    # An older caller's prompts, read more slowly with SSML.
    Reply(("转人工请按0。", "", "余额按1。"), Gather(8, "", 1), "main", rate="85%"),
    Reply(("正在为您转接人工服务。",), Enqueue("shenzhen-elder"), "main", rate="85%"),
]


@pytest.mark.parametrize("reply", REPLIES, ids=[f"{r.node}-{type(r.then).__name__}" for r in REPLIES])
def test_each_kind_of_reply_is_the_document_voice_response_writes(reply):
    assert twiml.render(reply, SETTINGS, url) == with_voice_response(reply, SETTINGS, url)


# Sentences and URLs with everything XML must escape: ampersands, angle brackets, quotes, tabs and line breaks.
TEXT = st.text(alphabet=st.sampled_from(list("医保1&<>\"'\t\n\r ;=?") + ["元", "é", "😀"]), max_size=12)


@settings(max_examples=150, deadline=None)
@given(says=st.lists(TEXT, max_size=3), number=TEXT, hints=st.lists(TEXT, max_size=3), query=TEXT)
def test_any_text_is_escaped_as_voice_response_escapes_it(says, number, hints, query):
    def odd_url(event):
        return url(event) + "&x=" + query

    for then in (Gather(5, "#", None, tuple(hints)), Dial(number or "+86"), Enqueue(number or "q"), Hangup()):
        reply = Reply(tuple(says), then, "main", rate="85%" if len(says) % 2 else None)
        assert twiml.render(reply, SETTINGS, odd_url) == with_voice_response(reply, SETTINGS, odd_url)
