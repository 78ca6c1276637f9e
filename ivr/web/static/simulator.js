// The hotline simulator: plays the TwiML the app returns the way Twilio would, and posts each next step back.
// Nothing here knows the menus; it only knows TwiML (Say, Gather, Redirect, Dial, Hangup, Pause, and Enqueue with
// the queue's wait in simulator-queue.js).
"use strict";

(() => {
  const TEXT = JSON.parse(document.getElementById("simulator-text").textContent);
  const CONFIG = JSON.parse(document.getElementById("simulator-config").textContent);
  const $ = (id) => document.getElementById(id);
  const KEYS = "0123456789*#";
  // A Mandarin teller reads about four characters a second; without a voice the page waits that long per sentence.
  const SPOKEN_MS_PER_CHAR = 240;
  const FAST_MS_PER_CHAR = 10;
  // The fast switch shortens every Gather timeout to this share of its length.
  const FAST_TIMEOUT_SHARE = 0.25;
  // A screen reader hears the countdown at most this often; the bar and the figure move every tenth of a second.
  const SPOKEN_EVERY_MS = 5000;

  const prefs = {
    lang: localStorage.getItem("simulator.lang") === "en" ? "en" : "zh",
    muted: localStorage.getItem("simulator.muted") === "1",
    fast: localStorage.getItem("simulator.fast") === "1",
  };

  function t(key, values = {}) {
    const text = (TEXT[prefs.lang] || {})[key] ?? TEXT.zh[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  // Interface language.

  function applyLanguage() {
    document.documentElement.lang = prefs.lang === "zh" ? "zh-CN" : "en";
    // The English glosses of the prompts show with the English interface only.
    document.body.dataset.lang = prefs.lang;
    for (const element of document.querySelectorAll("[data-text]")) {
      element.textContent = t(element.dataset.text);
    }
    for (const element of document.querySelectorAll("[data-text-aria]")) {
      element.setAttribute("aria-label", t(element.dataset.textAria));
    }
    // Texts that carry values are rebuilt from what they say.
    for (const element of document.querySelectorAll("[data-text-key]")) {
      element.textContent = t(element.dataset.textKey, JSON.parse(element.dataset.textValues || "{}"));
    }
    setStatus(status.state);
    showVoice();
  }

  function label(element, key, values = {}) {
    element.dataset.textKey = key;
    element.dataset.textValues = JSON.stringify(values);
    element.textContent = t(key, values);
    return element;
  }

  // The status line and the Gather countdown.

  const status = { state: "idle" };

  function setStatus(state) {
    status.state = state;
    const element = $("call-status");
    element.dataset.state = state;
    element.textContent = t(state);
  }

  const countdown = { timer: null };

  function startCountdown(seconds, onEnd) {
    stopCountdown();
    const started = performance.now();
    const total = seconds * 1000;
    $("countdown").hidden = false;
    let spokenAt = -Infinity;
    const tick = () => {
      const now = performance.now();
      const left = Math.max(0, total - (now - started));
      label($("countdown-text"), "countdown", { seconds: (left / 1000).toFixed(1) });
      if (now - spokenAt >= SPOKEN_EVERY_MS && left > 0) {
        spokenAt = now;
        label($("countdown-spoken"), "countdown_spoken", { seconds: Math.ceil(left / 1000) });
      }
      $("countdown-fill").style.width = `${(100 * left) / total}%`;
      if (left <= 0) {
        stopCountdown();
        onEnd();
      }
    };
    tick();
    countdown.timer = setInterval(tick, 100);
  }

  function stopCountdown() {
    clearInterval(countdown.timer);
    countdown.timer = null;
    $("countdown").hidden = true;
    $("countdown-spoken").textContent = "";
  }

  // Speech: the browser's synthesis in a Mandarin voice when it has one, else a silent wait of the same length.

  const speech = { voice: null, supported: "speechSynthesis" in window };

  function pickVoice() {
    if (!speech.supported) return;
    const voices = window.speechSynthesis.getVoices();
    speech.voice =
      voices.find((voice) => /^zh[-_]CN/i.test(voice.lang)) ||
      voices.find((voice) => /^(cmn|zh)/i.test(voice.lang) && !/HK|TW/i.test(voice.lang)) ||
      null;
    showVoice();
  }

  function showVoice() {
    const note = $("voice-note");
    if (speech.voice) label(note, "voice", { name: speech.voice.name });
    else label(note, "no_voice");
  }

  function sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }

  function speak(text, signal) {
    const estimate = text.length * (prefs.fast ? FAST_MS_PER_CHAR : SPOKEN_MS_PER_CHAR) + 150;
    if (prefs.muted || !speech.voice) return sleep(estimate, signal);
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.voice = speech.voice;
      utterance.lang = speech.voice.lang;
      utterance.rate = prefs.fast ? 1.8 : 1;
      let finished = false;
      // Some engines never report the end of an utterance; the call must not hang on that.
      const guard = setTimeout(done, estimate * 2 + 3000);
      function done() {
        if (finished) return;
        finished = true;
        clearTimeout(guard);
        signal.removeEventListener("abort", stop);
        resolve();
      }
      function stop() {
        window.speechSynthesis.cancel();
        done();
      }
      utterance.onend = done;
      utterance.onerror = done;
      signal.addEventListener("abort", stop, { once: true });
      window.speechSynthesis.speak(utterance);
    });
  }

  // A touch-tone for each key, so that a key press is heard as on a phone.

  const TONES = { 1: [697, 1209], 2: [697, 1336], 3: [697, 1477], 4: [770, 1209], 5: [770, 1336], 6: [770, 1477],
    7: [852, 1209], 8: [852, 1336], 9: [852, 1477], "*": [941, 1209], 0: [941, 1336], "#": [941, 1477] };
  let audio = null;

  function tone(key) {
    if (prefs.muted || !window.AudioContext) return;
    audio = audio || new AudioContext();
    const gain = audio.createGain();
    gain.gain.value = 0.08;
    gain.connect(audio.destination);
    for (const frequency of TONES[key]) {
      const oscillator = audio.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start();
      oscillator.stop(audio.currentTime + 0.12);
    }
  }

  // The transcript, like a chat: the hotline on the left, the caller's keys on the right.

  function clearHint() {
    for (const hint of $("transcript").querySelectorAll(".hint")) hint.remove();
  }

  function addLine(kind, text, node, title = null) {
    clearHint();
    const item = document.createElement("li");
    item.className = `line ${kind}`;
    if (node) {
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = node;
      if (title) {
        // The node's name in the operators' words (its `title` in prompts/), beside its id.
        const named = document.createElement("span");
        named.className = "node-title";
        named.textContent = ` · ${title}`;
        item.append(tag, named);
      } else {
        item.append(tag);
      }
    }
    const body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    item.append(body);
    $("transcript").append(item);
    item.scrollIntoView({ block: "nearest" });
    return item;
  }

  function addNote(key, values = {}) {
    clearHint();
    const item = label(document.createElement("li"), key, values);
    item.className = "line note";
    $("transcript").append(item);
    item.scrollIntoView({ block: "nearest" });
    return item;
  }

  function markLine(item, key) {
    item.classList.add(key);
    const note = label(document.createElement("small"), key);
    item.append(note);
  }

  // The inspector: each step's request and TwiML, the current node and the state.

  function prettyXml(text) {
    const doc = new DOMParser().parseFromString(text, "application/xml");
    const lines = [];
    const walk = (element, depth) => {
      const pad = "  ".repeat(depth);
      const attributes = [...element.attributes].map((a) => ` ${a.name}="${a.value}"`).join("");
      const children = [...element.children];
      const own = children.length ? "" : element.textContent.trim();
      if (children.length) {
        lines.push(`${pad}<${element.tagName}${attributes}>`);
        for (const child of children) walk(child, depth + 1);
        lines.push(`${pad}</${element.tagName}>`);
      } else if (own) {
        lines.push(`${pad}<${element.tagName}${attributes}>${own}</${element.tagName}>`);
      } else {
        lines.push(`${pad}<${element.tagName}${attributes}/>`);
      }
    };
    walk(doc.documentElement, 0);
    return lines.join("\n");
  }

  function showStep(request, data) {
    const item = document.createElement("li");
    const details = document.createElement("details");
    details.open = true;
    const summary = document.createElement("summary");
    const what = document.createElement("span");
    label(what, request.event, request.values);
    const code = document.createElement("code");
    code.textContent = `POST ${request.url}`;
    // One number per step, written here: a list's own numbers would also count each <summary>, a list item itself.
    const number = document.createElement("span");
    number.className = "step-number";
    number.textContent = `${$("steps").children.length + 1}.`;
    summary.append(number, " ", what, " ", code, ` → ${data.node ?? "?"}`);
    const twiml = document.createElement("pre");
    twiml.className = "twiml";
    // Long TwiML scrolls sideways: reachable by keyboard too.
    twiml.tabIndex = 0;
    twiml.textContent = prettyXml(data.twiml);
    details.append(summary, twiml);
    item.append(details);
    const steps = $("steps");
    for (const older of steps.querySelectorAll("details")) older.open = false;
    steps.prepend(item);
    $("node").textContent = data.node ?? "–";
    $("state").textContent = data.state ? JSON.stringify(data.state, null, 2) : t("no_state");
    // Other panels (the text messages, simulator-texts.js) follow each step too.
    document.dispatchEvent(new CustomEvent("simulator:step", { detail: data }));
  }

  // The call: one TwiML document after another until a Hangup, the end of a document, or the caller hangs up.

  let call = null;

  function callParams() {
    return {
      CallSid: call.sid, AccountSid: CONFIG.account, From: call.from, To: call.to, Caller: call.from, Called: call.to,
      CallStatus: "in-progress", Direction: "inbound", ApiVersion: "2010-04-01",
    };
  }

  async function post(url, params, request) {
    // Only this app's own simulator routes are followed, whatever a document says.
    const target = new URL(url, location.href);
    if (target.origin !== location.origin || !target.pathname.startsWith(`${CONFIG.base}/`)) {
      throw new Error(`not a simulator URL: ${target.pathname}`);
    }
    setStatus("waiting");
    const response = await fetch(target, {
      method: "POST",
      headers: { [CONFIG.tokenHeader]: CONFIG.token },
      body: new URLSearchParams(params),
      credentials: "same-origin",
    });
    if (!response.ok) {
      const error = new Error(`HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    const data = await response.json();
    showStep({ url: target.pathname + target.search, ...request }, data);
    return data;
  }

  async function sayLine(text, node, signal, interruptible, title = null) {
    const item = addLine("hotline", text, node, title);
    item.classList.add("speaking");
    setStatus("speaking");
    await speak(text, signal);
    item.classList.remove("speaking");
    if (interruptible && signal.aborted) markLine(item, "interrupted");
  }

  // A Gather as Twilio runs it: nested Says are interruptible, the timeout runs after them and between keys,
  // finishOnKey ends the input (alone it counts as no input), numDigits ends it when reached.
  function gather(verb, node, callSignal, title = null) {
    const asked = Number(verb.getAttribute("timeout") ?? 5);
    const timeout = asked * (prefs.fast ? FAST_TIMEOUT_SHARE : 1);
    const finishOnKey = verb.hasAttribute("finishOnKey") ? verb.getAttribute("finishOnKey") : "#";
    const numDigits = verb.hasAttribute("numDigits") ? Number(verb.getAttribute("numDigits")) : Infinity;
    const current = call;
    const prompt = new AbortController();
    let digits = "";
    let bubble = null;
    let timed = false;
    // The keys shown by the keypad are this Gather's: the first key clears the last entry's.
    let fresh = true;
    let settle;
    const result = new Promise((resolve) => { settle = resolve; });
    let done = false;
    // Words are taken only where Twilio would take them: a Gather whose input includes speech.
    const takesWords = (verb.getAttribute("input") || "dtmf").split(/\s+/).includes("speech");
    const finish = (value) => {
      if (done) return;
      done = true;
      current.listen = null;
      current.hear = null;
      stopCountdown();
      prompt.abort();
      callSignal.removeEventListener("abort", abandon);
      settle(value);
    };
    const abandon = () => finish(null);
    callSignal.addEventListener("abort", abandon, { once: true });
    const arm = () => {
      timed = true;
      setStatus("listening");
      startCountdown(timeout, () => {
        // Twilio goes on without input; the transcript says so, as a caller would notice the silence.
        if (!digits) addNote("timed_out", { seconds: asked });
        finish(digits ? { Digits: digits, FinishedOnKey: "" } : null);
      });
    };
    current.listen = (key) => {
      prompt.abort();
      bubble = bubble || addLine("caller", "", t("you"));
      bubble.querySelector(".text").textContent += key;
      if (fresh) $("entered").textContent = "";
      fresh = false;
      $("entered").textContent += key;
      if (finishOnKey && key === finishOnKey) {
        finish(digits ? { Digits: digits, FinishedOnKey: key } : null);
      } else {
        digits += key;
        if (digits.length >= numDigits) finish({ Digits: digits, FinishedOnKey: "" });
        else arm();
      }
    };
    current.hear = takesWords ? (text, confidence) => {
      prompt.abort();
      addLine("caller", text, t("you"));
      finish({ SpeechResult: text, Confidence: confidence.toFixed(2) });
    } : null;
    (async () => {
      for (const say of verb.getElementsByTagName("Say")) {
        if (prompt.signal.aborted) break;
        await sayLine(say.textContent, node, prompt.signal, true, title);
      }
      if (!done && !timed) arm();
    })();
    return result;
  }

  function dial(verb, signal) {
    const numbers = verb.getElementsByTagName("Number");
    const number = (numbers.length ? numbers[0].textContent : verb.textContent).trim();
    label($("dial-title"), "dial_title", { number });
    addNote("dial_title", { number });
    $("dial-panel").hidden = false;
    setStatus("transferring");
    return new Promise((resolve) => {
      const buttons = [...$("dial-panel").querySelectorAll("[data-dial-status]")];
      const choose = (value) => {
        for (const button of buttons) button.onclick = null;
        $("dial-panel").hidden = true;
        resolve(value);
      };
      for (const button of buttons) button.onclick = () => choose(button.dataset.dialStatus);
      signal.addEventListener("abort", () => choose(null), { once: true });
    });
  }

  // Plays one document; returns the next request to make, or null when the call is over.
  function addGloss(text) {
    const item = addLine("gloss", text);
    item.lang = "en";
    return item;
  }

  // A re-prompt is told apart by the state: the wrong-key or time-out count of the same node went up.
  function noteReprompt(before, after) {
    if (!before || !after || before.node !== after.node) return;
    if ((after.nomatch ?? 0) > (before.nomatch ?? 0)) addNote("reprompt_nomatch");
    else if ((after.noinput ?? 0) > (before.noinput ?? 0)) addNote("reprompt_noinput");
  }

  async function play(data, signal) {
    const doc = new DOMParser().parseFromString(data.twiml, "application/xml");
    if (data.gloss) addGloss(data.gloss);
    for (const verb of doc.documentElement.children) {
      if (signal.aborted) return null;
      switch (verb.tagName) {
        case "Say":
          await sayLine(verb.textContent, data.node, signal, false, data.title);
          break;
        case "Pause":
          await sleep(Number(verb.getAttribute("length") ?? 1) * 1000, signal);
          break;
        case "Gather": {
          const input = await gather(verb, data.node, signal, data.title);
          if (input) {
            const url = verb.getAttribute("action") || data.url;
            // The words themselves stay in the transcript: the steps list names only what kind of input it was.
            if ("SpeechResult" in input) return { url, params: input, event: "event_words", values: {} };
            return { url, params: input, event: "event_keys", values: { digits: input.Digits } };
          }
          break; // No input: Twilio goes on to the next verb.
        }
        case "Redirect":
          return { url: verb.textContent.trim(), params: {}, event: "event_silence", values: {} };
        case "Dial": {
          const outcome = await dial(verb, signal);
          if (!outcome) return null;
          const url = verb.getAttribute("action");
          if (!url) break;
          const duration = outcome === "completed" ? "60" : "0";
          return { url, params: { DialCallStatus: outcome, DialCallDuration: duration },
            event: "event_dial", values: { status: outcome } };
        }
        case "Enqueue": {
          const page = { post, gather, sayLine, addNote, label, setStatus, callParams, takeUrl: CONFIG.takeUrl };
          const result = await window.simulatorQueue.wait(verb, page, signal);
          if (!result) return null;
          return { url: verb.getAttribute("action"),
            params: { QueueResult: result, QueueSid: window.simulatorQueue.QUEUE_SID, QueueTime: "0" },
            event: "event_queue", values: { result } };
        }
        case "Hangup":
          addNote("hung_up_by_hotline");
          return null;
        default:
          break;
      }
    }
    if (!signal.aborted) addNote("document_ended");
    return null;
  }

  async function run(first) {
    const signal = call.controller.signal;
    let data = first;
    try {
      while (data && !signal.aborted) {
        const next = await play(data, signal);
        if (!next || signal.aborted) break;
        const url = new URL(next.url, location.href);
        const before = data.state;
        data = await post(url.href, { ...callParams(), ...next.params }, next);
        data.url = url.href;
        noteReprompt(before, data.state);
      }
    } catch (error) {
      if (!signal.aborted) {
        if (error.status === 403) addNote("refused", { status: error.status });
        else addNote("error", { detail: error.message });
      }
    }
    endCall();
  }

  async function startCall(event) {
    event.preventDefault();
    if (call) return;
    $("transcript").replaceChildren();
    $("steps").replaceChildren();
    $("call").disabled = true;
    $("hangup").disabled = false;
    setStatus("connecting");
    const to = $("to").value;
    const from = $("from").value.trim();
    const at = $("at").value;
    call = { sid: null, to, from, controller: new AbortController(), listen: null };
    $("entered").textContent = "";
    // On a small screen the keypad comes into view as the call starts.
    $("keypad").scrollIntoView({ block: "nearest" });
    if (at) addNote("call_time_note", { at: at.replace("T", " ") });
    try {
      const data = await post(CONFIG.callUrl, { To: to, From: from, At: at }, { event: "event_start", values: {} });
      call.sid = data.call_sid;
      data.url = new URL(CONFIG.callUrl, location.href).href;
      await run(data);
    } catch (error) {
      addNote(error.status === 403 ? "refused" : "error", { status: error.status, detail: error.message });
      endCall();
    }
  }

  function hangUp() {
    if (!call) return;
    addNote("hung_up_by_you");
    call.controller.abort();
  }

  function endCall() {
    if (!call) return;
    const ending = call;
    call = null;
    ending.controller.abort();
    if (speech.supported) window.speechSynthesis.cancel();
    stopCountdown();
    $("dial-panel").hidden = true;
    $("queue-panel").hidden = true;
    $("hangup").disabled = true;
    $("call").disabled = false;
    $("call").dataset.text = "call_again";
    $("call").textContent = t("call_again");
    setStatus("ended");
    if (ending.sid) {
      // The status callback Twilio would send: the app forgets the call's state.
      const params = { CallSid: ending.sid, CallStatus: "completed", From: ending.from, To: ending.to };
      fetch(CONFIG.statusUrl, {
        method: "POST", headers: { [CONFIG.tokenHeader]: CONFIG.token }, body: new URLSearchParams(params),
        credentials: "same-origin",
      }).catch(() => {});
    }
  }

  // Keys, from the keypad or the computer keyboard.

  function press(key) {
    const button = document.querySelector(`.key[data-key="${CSS.escape(key)}"]`);
    button.classList.add("pressed");
    setTimeout(() => button.classList.remove("pressed"), 150);
    tone(key);
    if (!call) return;
    if (call.listen) {
      call.listen(key);
    } else {
      // Outside a Gather Twilio does not listen: the key is lost, as on the phone.
      const item = addLine("caller ignored", key, t("you"));
      markLine(item, "ignored");
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
    if (event.target.closest("input, select, textarea")) return;
    if (!KEYS.includes(event.key) || event.key.length !== 1) return;
    event.preventDefault();
    press(event.key);
  });

  $("keypad").addEventListener("click", (event) => {
    const button = event.target.closest(".key");
    if (button) press(button.dataset.key);
  });

  // Words, typed into the speech box or heard by the browser's own recognition where it has one.

  function sayWords(text) {
    const words = text.trim();
    if (!words || !call) return;
    const confidence = Math.min(1, Math.max(0, Number($("confidence").value) || 0));
    if (call.hear) {
      call.hear(words, confidence);
    } else {
      const item = addLine("caller ignored", words, t("you"));
      markLine(item, "ignored_words");
    }
  }

  $("speech-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sayWords($("utterance").value);
    $("utterance").value = "";
  });

  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (Recognition) {
    $("listen").hidden = false;
    $("listen").addEventListener("click", () => {
      const recognition = new Recognition();
      recognition.lang = "zh-CN";
      recognition.onresult = (event) => {
        const best = event.results[0][0];
        $("confidence").value = best.confidence.toFixed(2);
        sayWords(best.transcript);
      };
      recognition.start();
    });
  }

  // Switches.

  function bindSwitch(id, name) {
    const box = $(id);
    box.checked = prefs[name];
    box.addEventListener("change", () => {
      prefs[name] = box.checked;
      localStorage.setItem(`simulator.${name}`, box.checked ? "1" : "0");
      if (name === "muted" && box.checked && speech.supported) window.speechSynthesis.cancel();
    });
  }

  bindSwitch("mute", "muted");
  bindSwitch("fast", "fast");
  $("language").addEventListener("click", () => {
    prefs.lang = prefs.lang === "zh" ? "en" : "zh";
    localStorage.setItem("simulator.lang", prefs.lang);
    applyLanguage();
  });
  $("dial-form").addEventListener("submit", startCall);
  $("hangup").addEventListener("click", hangUp);
  if (speech.supported) {
    pickVoice();
    window.speechSynthesis.addEventListener("voiceschanged", pickVoice);
  }
  applyLanguage();
  document.body.dataset.ready = "1";
})();
