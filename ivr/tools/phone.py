"""A phone on a Twilio line: it dials, presses keys, says words, waits in silence and ends transfers, and writes down what it heard.

The phone does Twilio's part of a call. It signs every request as Twilio does (X-Twilio-Signature over the full URL
and the POST parameters), reads each TwiML answer with an XML parser and runs its verbs in order: it hears <Say>,
waits at <Gather> (numDigits, finishOnKey, the timeout falling through to the next verb, actionOnEmptyResult),
follows <Redirect>, stays with an agent after <Dial> until the transfer ends, waits in a queue after <Enqueue> (hearing
what the wait URL says, leaving at <Leave>), and stops at <Hangup> or at the end of the document.

Where the requests go is a transport's business: `InProcess` posts to a Flask test client, and a subclass of
`AsyncTransport` can post over HTTP from an event loop (the benchmark has one). The phone writes each exchange as a
generator of requests, so the same class drives both: with an async transport every action returns an awaitable.
"""

from __future__ import annotations

import functools
import secrets
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from twilio.request_validator import RequestValidator

DEFAULT_TO = "+861012393"
DEFAULT_FROM = "+8613900000000"
ANSWERED = "completed"
# Far more than any menu needs: a longer chain of <Redirect> is a loop that Twilio would also give up on.
MAX_REDIRECTS = 20


@dataclass(frozen=True)
class Request:
    """One webhook request as Twilio sends it: `url` is what it signs, `path` what a server at another address gets."""

    url: str
    path: str
    params: Mapping
    headers: dict


@dataclass(frozen=True)
class Answer:
    """A webhook's answer; `node` is the menu node that spoke, where the transport can tell (in-process only)."""

    status_code: int
    text: str | bytes  # bytes spare a decoding and re-encoding before the XML parser
    mimetype: str = "text/xml"
    node: str | None = None


@dataclass(frozen=True)
class Sentence:
    text: str
    node: str | None


@dataclass
class Turn:
    """What one action of the caller brought: the sentences heard and the TwiML verbs run, as (tag, attributes)."""

    action: str
    sentences: list[Sentence] = field(default_factory=list)
    verbs: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [sentence.text for sentence in self.sentences]


class PhoneError(Exception):
    """The caller cannot do that now, or the hotline answered something Twilio could not play."""


class CallOver(PhoneError):
    """The call has ended, or is with an agent: no keys or silences reach the hotline."""


class NotListening(PhoneError):
    """No <Gather> is waiting for keys."""


class NotTransferring(PhoneError):
    """No <Dial> is in progress, so no transfer can end."""


class NotQueued(PhoneError):
    """The caller waits in no queue, so no wait, agent or queue result can reach them."""


class BadAnswer(PhoneError):
    """Not a TwiML document with a 200: Twilio would tell the caller that an application error occurred."""

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


Exchange = Generator[Request, Answer, object]


class Transport:
    """Carries requests synchronously: subclasses implement send()."""

    def send(self, request: Request) -> Answer:
        raise NotImplementedError

    def run(self, exchange: Exchange):
        """Play out an exchange: send each request it yields and give it the answer, until it returns."""
        answer = None
        while True:
            try:
                request = exchange.send(answer)
            except StopIteration as done:
                return done.value
            answer = self.send(request)


class AsyncTransport:
    """Carries requests from an event loop: subclasses implement `async def send()`."""

    async def send(self, request: Request) -> Answer:
        raise NotImplementedError

    async def run(self, exchange: Exchange):
        answer = None
        while True:
            try:
                request = exchange.send(answer)
            except StopIteration as done:
                return done.value
            answer = await self.send(request)


class InProcess(Transport):
    """Posts to a Flask test client, and learns from the app which menu node answered each request."""

    def __init__(self, client):
        self.client = client
        self.nodes = _nodes_of(client.application)

    def send(self, request: Request) -> Answer:
        response = self.client.post(request.path, data=request.params, headers=request.headers)
        node = self.nodes.pop(request.params.get("CallSid"), None)
        return Answer(response.status_code, response.get_data(as_text=True), response.mimetype, node)


_NODES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _nodes_of(app) -> dict:
    """The node of each call's last step, kept by one observer per app (TwiML does not say which node spoke)."""
    flow = app.extensions.get("ivr.flow")
    if flow is None:
        return {}
    if flow not in _NODES:
        nodes: dict = {}
        flow.observers.append(lambda step: nodes.__setitem__(step.call_sid, step.node))
        _NODES[flow] = nodes
    return _NODES[flow]


@functools.lru_cache(maxsize=512)
def _parse(document: str | bytes) -> ET.Element:
    """The TwiML as a tree; shared, never changed. The benchmark's callers get the same few documents over and over."""
    return ET.fromstring(document)


class Phone:
    """One caller. `transport` is a Transport, an AsyncTransport or a Flask test client (then posted to in-process)."""

    def __init__(self, transport, token: str, to: str = DEFAULT_TO, from_: str = DEFAULT_FROM,
                 base: str = "http://localhost", call_sid: str | None = None):
        self.transport = transport if isinstance(transport, (Transport, AsyncTransport)) else InProcess(transport)
        self.validator = RequestValidator(token)
        self.to, self.from_, self.base = to, from_, base
        self.call_sid = call_sid or "CA" + secrets.token_hex(16)
        self.turns: list[Turn] = []
        self.heard: list[str] = []
        self.transcript: list[str] = []
        self.gather: dict | None = None
        self.dialled: str | None = None
        self.dial_action: str | None = None
        # A caller in a queue: its name, the wait URL and the Enqueue action, and the queue parameters Twilio adds
        # to the call's while it waits. An agent's <Dial><Queue>: the queue dialled and its url.
        self.queued: str | None = None
        self.wait_url: str | None = None
        self.queue_action: str | None = None
        self.queue_params: dict = {}
        self.dialled_queue: str | None = None
        self.queue_url: str | None = None
        self.ended: str | None = None  # "agent" while transferred, "hangup" once the call is over
        self.last_status: int | None = None
        self._last_xml: str | bytes = ""
        self._url = self._requested = base
        self._node: str | None = None
        self._rest: list[ET.Element] = []

    # What a caller does. With an AsyncTransport each of these returns an awaitable.

    def dial(self, path: str = "/voice"):
        """Call the hotline: Twilio posts to the number's Voice URL (an agent access number's is /voice/agent)."""
        return self._act("dial", self._visit(path, self.params()))

    def press(self, keys: str):
        """Key presses into the waiting <Gather>; keys after the one that ends it are lost, as on a phone."""
        self._listening()
        return self._act(f"press {keys}", self._keys(keys))

    def say(self, text: str, confidence: float = 0.9):
        """Words into the waiting <Gather>, as Twilio's recogniser sends them (SpeechResult and Confidence); only a
        Gather that listens for speech takes them."""
        self._listening()
        if "speech" not in self.gather.get("input", "dtmf").split():
            raise NotListening("the <Gather> takes keys only, not words")
        params = self.params(SpeechResult=text, Confidence=f"{confidence:.2f}")
        return self._act(f"say {text}", self._visit(self._action(), params))

    @property
    def listens(self) -> bool:
        """Whether the waiting <Gather> takes words as well as keys."""
        return self.gather is not None and "speech" in self.gather.get("input", "dtmf").split()

    def silence(self):
        """Say nothing until the <Gather> times out."""
        self._listening()
        return self._act("silence", self._empty_result())

    def transfer_ends(self, status: str = ANSWERED):
        """The transferred call ends: answered by an agent ("completed") or not ("no-answer", "busy", "failed")."""
        if self.ended != "agent":
            raise (CallOver if self.ended else NotTransferring)(f"no transfer to end (the call is {self.ended or 'on'})")
        return self._act(f"transfer {status}", self._dial_ended(status))

    def hold(self, position: int, size: int | None = None, average: int = 0, waited: int = 0):
        """Twilio asks the wait URL what a caller waiting in the queue hears: at `position` of `size` callers, the
        queue's average wait `average` seconds (AvgQueueTime), this caller's `waited` (QueueTime)."""
        if self.queued is None:
            raise NotQueued("the caller is in no queue")
        self.queue_params = {"QueuePosition": str(position), "CurrentQueueSize": str(size or position),
                             "AvgQueueTime": str(average), "QueueTime": str(waited), "QueueSid": "QU" + "0" * 32}
        return self._act(f"hold at {position}", self._visit(urljoin(self._url, self.wait_url), self.params()))

    def taken(self, url: str):
        """An agent takes the caller from the queue: Twilio runs the <Queue> url on the caller's call, then connects."""
        if self.queued is None:
            raise NotQueued("the caller is in no queue")
        params = self.params(QueueSid="QU" + "0" * 32, QueueTime=self.queue_params.get("QueueTime", "0"),
                             DequeingCallSid="CA" + "f" * 32)
        self.queue_params = {}
        return self._act("taken by an agent", self._taken(url, params))

    def queue_ends(self, result: str = "bridged"):
        """The caller is out of the queue: Twilio requests the Enqueue action with QueueResult (bridged, once the
        agent's call ended; hangup, queue-full, error, system-error...)."""
        if self.queued is None:
            raise NotQueued("the caller is in no queue")
        return self._act(f"queue {result}", self._left_queue(result))

    # Twilio's requests, for tests that send one of their own.

    def params(self, **extra) -> dict:
        # Twilio's call parameters, less the legacy Caller and Called that nothing reads: each one is signed too.
        params = {
            "CallSid": self.call_sid, "AccountSid": "AC" + "0" * 32, "From": self.from_, "To": self.to,
            "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01",
        }
        params.update(self.queue_params)
        params.update(extra)
        return params

    def post(self, url: str, params: Mapping, signature: str | None = None):
        """One signed request whose TwiML is not followed; returns the Answer (an awaitable of it, async)."""
        return self.transport.run(self._request(url, params, signature))

    def follow(self, answer: Answer):
        """Run the TwiML of an answer got with post(), as Twilio would."""
        return self._act("post", self._play(answer, self._requested))

    # What was heard.

    @property
    def said(self) -> str:
        """The last action's sentences as one text, for `in` assertions."""
        return "".join(self.heard)

    @property
    def last_xml(self) -> str:
        """The last TwiML document played."""
        return self._last_xml if isinstance(self._last_xml, str) else self._last_xml.decode()

    @property
    def hung_up(self) -> bool:
        return self.ended == "hangup"

    @property
    def after_gather(self) -> str | None:
        """Where Twilio goes when the waiting <Gather> times out: the URL of the <Redirect> that follows it."""
        for verb in self._rest:
            if verb.tag == "Redirect":
                return (verb.text or "").strip()
        return None

    # Twilio's side.

    def _act(self, label: str, exchange: Exchange):
        return self.transport.run(self._turn(label, exchange))

    def _turn(self, label: str, exchange: Exchange):
        self.turns.append(Turn(label))
        self.heard = []
        yield from exchange
        return self.heard

    def _listening(self) -> None:
        if self.ended:
            raise CallOver(f"the call is over ({self.ended})")
        if self.gather is None:
            raise NotListening("nothing is listening for keys")

    def _full(self, url: str) -> str:
        return url if url.startswith("http") else self.base + url

    def _path(self, full: str) -> str:
        if full.startswith(self.base + "/"):
            # The usual case, without parsing: the benchmark counts every microsecond on the client's side.
            return full[len(self.base):]
        parts = urlsplit(full)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _request(self, url: str, params: Mapping, signature: str | None = None):
        full = self._full(url)
        signature = self.validator.compute_signature(full, params) if signature is None else signature
        self._requested = full
        answer = yield Request(full, self._path(full), params, {"X-Twilio-Signature": signature})
        self.last_status = answer.status_code
        return answer

    def _visit(self, url: str, params: Mapping, redirects: int = 0):
        answer = yield from self._request(url, params)
        yield from self._play(answer, self._full(url), redirects)

    def _play(self, answer: Answer, url: str, redirects: int = 0):
        if answer.status_code != 200 or answer.mimetype != "text/xml":
            raise BadAnswer(f"{answer.status_code} {answer.mimetype}: {answer.text[:300]!r}", answer.status_code)
        self._last_xml = answer.text
        try:
            root = _parse(answer.text)
        except ET.ParseError as exc:
            raise BadAnswer(f"not XML ({exc}): {answer.text[:300]!r}", answer.status_code) from None
        if root.tag != "Response":
            raise BadAnswer(f"the document is a <{root.tag}>, not a <Response>", answer.status_code)
        self._url, self._node = url, answer.node
        yield from self._run(list(root), redirects)

    def _run(self, verbs: list[ET.Element], redirects: int = 0):
        """Run verbs in order until one waits (Gather, Dial), moves on (Redirect) or ends the call."""
        self.gather, self._rest = None, []
        for index, verb in enumerate(verbs):
            self.turns[-1].verbs.append((verb.tag, verb.attrib))
            if verb.tag == "Say":
                self._hear(verb)
            elif verb.tag == "Gather":
                self.gather, self._rest = dict(verb.attrib), verbs[index + 1:]
                for say in verb.iter("Say"):
                    self._hear(say)
                return
            elif verb.tag == "Redirect":
                yield from self._redirect(verb, redirects)
                return
            elif verb.tag == "Dial":
                self.dialled, self.dial_action = (verb.text or "").strip(), verb.attrib.get("action")
                queue = verb.find("Queue")
                if queue is not None:
                    self.dialled_queue, self.queue_url = (queue.text or "").strip(), queue.attrib.get("url")
                self.ended, self._rest = "agent", verbs[index + 1:]
                return
            elif verb.tag == "Enqueue":
                # Twilio asks the wait URL at once and again whenever its TwiML ends (hold() does, with the place).
                self.queued, self.wait_url = (verb.text or "").strip(), verb.attrib.get("waitUrl")
                self.queue_action = urljoin(self._url, verb.attrib.get("action", ""))
                return
            elif verb.tag == "Leave":
                yield from self._left_queue("leave")
                return
            elif verb.tag == "Hangup":
                break
        # Past <Hangup>, or past the last verb: Twilio ends the call.
        self.ended = "hangup"

    def _hear(self, say: ET.Element) -> None:
        # The words may sit inside SSML (<prosody>) for a slower voice.
        sentence = Sentence("".join(say.itertext()), self._node)
        self.turns[-1].sentences.append(sentence)
        self.heard.append(sentence.text)
        self.transcript.append(sentence.text)

    def _redirect(self, verb: ET.Element, redirects: int):
        if redirects >= MAX_REDIRECTS:
            raise BadAnswer(f"more than {MAX_REDIRECTS} redirects in a row")
        if verb.attrib.get("method", "POST").upper() != "POST":
            raise BadAnswer("this phone follows POST redirects only")
        yield from self._visit(urljoin(self._url, (verb.text or "").strip()), self.params(), redirects + 1)

    def _action(self) -> str:
        action = self.gather.get("action", "")
        # A relative action is resolved against the document's URL; without one the Gather posts back to it.
        return action if action.startswith(("http://", "https://")) else urljoin(self._url, action)

    def _keys(self, keys: str):
        finish = self.gather.get("finishOnKey", "#")
        limit = int(self.gather["numDigits"]) if "numDigits" in self.gather else None
        digits, finished_on = "", ""
        for key in keys:
            if finish and key in finish:
                finished_on = key
                break
            digits += key
            if limit and len(digits) >= limit:
                break
        if not digits:
            # A lone finishOnKey is no input at all.
            yield from self._empty_result(finished_on)
            return
        # Without finishOnKey or numDigits reached, the Gather times out and sends what it has.
        yield from self._visit(self._action(), self.params(Digits=digits, FinishedOnKey=finished_on))

    def _empty_result(self, finished_on: str = ""):
        """The Gather got nothing: its action only with actionOnEmptyResult, otherwise the verbs after it."""
        if self.gather.get("actionOnEmptyResult", "false").lower() == "true":
            yield from self._visit(self._action(), self.params(Digits="", FinishedOnKey=finished_on))
        else:
            yield from self._run(self._rest)

    def _taken(self, url: str, params: Mapping):
        answer = yield from self._request(url, params)
        yield from self._play(answer, self._full(url))
        # Connected to the agent: no keys reach the hotline until the Enqueue action brings the call back.
        self.gather, self.ended = None, "agent"

    def _left_queue(self, result: str):
        action, self.queued, self.queue_params = self.queue_action, None, {}
        self.ended = None
        yield from self._visit(action, self.params(QueueResult=result, QueueSid="QU" + "0" * 32, QueueTime="30"))

    def _dial_ended(self, status: str):
        self.ended = None
        if self.dial_action is None:
            # Without an action Twilio goes on with the verbs after the <Dial>.
            yield from self._run(self._rest)
        else:
            yield from self._visit(urljoin(self._url, self.dial_action), self.params(DialCallStatus=status))
