// The simulator's agents' queue: after <Enqueue> it asks the wait URL as Twilio would, plays what it says (the
// caller's place, the expected wait, the key that leaves), follows <Leave> and <Redirect>, and lets the page's user
// act as the agent who takes the caller, then end the agent's call. It resolves with Twilio's QueueResult.
"use strict";

window.simulatorQueue = (() => {
  const $ = (id) => document.getElementById(id);
  const QUEUE_SID = "QU" + "0".repeat(32);

  // Waits in the queue until the caller leaves (leave), an agent takes them and hangs up (bridged), or the call
  // ends (null). `page` holds the simulator's own post, gather, sayLine, addNote, label, setStatus and callParams.
  async function wait(verb, page, signal) {
    const name = verb.textContent.trim();
    let url = verb.getAttribute("waitUrl");
    let taken = false;
    const panel = $("queue-panel");
    page.label($("queue-title"), "queue_title", { name });
    page.addNote("queue_title", { name });
    panel.hidden = false;
    $("queue-take").hidden = false;
    $("queue-end").hidden = true;
    const taking = new AbortController();
    $("queue-take").onclick = () => { taken = true; taking.abort(); };
    signal.addEventListener("abort", () => taking.abort(), { once: true });
    try {
      while (!signal.aborted && !taken) {
        const data = await page.post(url, page.callParams(), { event: "event_wait", values: {} });
        const next = await playWait(data, page, taking.signal);
        if (next === "leave") return "leave";
        if (next === "hangup") return null;
        url = next || url;
      }
      if (signal.aborted) return null;
      return await agent(page, signal);
    } finally {
      panel.hidden = true;
      $("queue-take").onclick = null;
      $("queue-end").onclick = null;
    }
  }

  // One document of the wait URL: says, the Gather whose key may leave, then the Redirect back to the wait URL.
  async function playWait(data, page, signal) {
    const doc = new DOMParser().parseFromString(data.twiml, "application/xml");
    for (const verb of doc.documentElement.children) {
      if (signal.aborted) return undefined;
      if (verb.tagName === "Say") await page.sayLine(verb.textContent, data.node, signal, false);
      else if (verb.tagName === "Hangup") return "hangup";
      else if (verb.tagName === "Redirect") return verb.textContent.trim();
      else if (verb.tagName === "Gather") {
        const input = await page.gather(verb, data.node, signal);
        if (input) {
          const answer = await page.post(verb.getAttribute("action"), { ...page.callParams(), ...input },
            { event: "event_keys", values: { digits: input.Digits } });
          const reply = new DOMParser().parseFromString(answer.twiml, "application/xml").documentElement;
          if (reply.getElementsByTagName("Leave").length) return "leave";
          const redirect = reply.getElementsByTagName("Redirect")[0];
          return redirect ? redirect.textContent.trim() : undefined;
        }
      }
    }
    return undefined;
  }

  // The page's user took the call as the agent: the <Queue> url's words, then a button ends the agent's call.
  async function agent(page, signal) {
    $("queue-take").hidden = true;
    const data = await page.post(page.takeUrl, page.callParams(), { event: "event_taken", values: {} });
    const doc = new DOMParser().parseFromString(data.twiml, "application/xml");
    for (const say of doc.getElementsByTagName("Say")) await page.sayLine(say.textContent, data.node, signal, false);
    page.setStatus("transferring");
    $("queue-end").hidden = false;
    return new Promise((resolve) => {
      $("queue-end").onclick = () => resolve("bridged");
      signal.addEventListener("abort", () => resolve(null), { once: true });
    });
  }

  return { wait, QUEUE_SID };
})();
