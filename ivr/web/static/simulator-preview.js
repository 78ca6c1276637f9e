// The simulator's preview: which version the next call runs on (the one in service, the draft on disk, or any
// published version), marked on the page, and a banner when a version is published while the page is open. Kept
// apart from simulator.js, which plays the calls: the server starts each call on the version chosen here.
"use strict";

(() => {
  const TEXT = JSON.parse(document.getElementById("simulator-text").textContent);
  const CONFIG = JSON.parse(document.getElementById("simulator-config").textContent);
  const $ = (id) => document.getElementById(id);
  const box = $("preview");
  const select = $("preview-version");
  let state = JSON.parse(box.dataset.state);

  // The language simulator.js keeps; its switch retranslates every element marked with data-text-key.
  function t(key, values = {}) {
    const lang = localStorage.getItem("simulator.lang") === "en" ? "en" : "zh";
    const text = (TEXT[lang] || {})[key] ?? TEXT.zh[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  function label(element, key, values = {}) {
    element.dataset.textKey = key;
    element.dataset.textValues = JSON.stringify(values);
    element.textContent = t(key, values);
  }

  function mark() {
    const chosen = state.chosen;
    box.dataset.mode = chosen === null ? "serving" : "preview";
    if (chosen === "draft") {
      label($("preview-mark"), "preview_mark_draft", { serving: state.serving });
    } else if (typeof chosen === "number") {
      label($("preview-mark"), "preview_mark_number", { number: chosen, serving: state.serving });
    } else {
      label($("preview-mark"), "preview_mark_serving", { number: state.serving });
    }
    label(select.querySelector("option[value='']"), "preview_serving", { number: state.serving });
    select.value = chosen === null ? "" : String(chosen);
  }

  async function ask(url, body) {
    const response = await fetch(url, {
      method: body ? "POST" : "GET",
      headers: { [CONFIG.tokenHeader]: CONFIG.token },
      body,
      credentials: "same-origin",
    });
    return { ok: response.ok, data: await response.json().catch(() => ({})) };
  }

  async function choose() {
    const problems = $("preview-problems");
    const { ok, data } = await ask(CONFIG.previewUrl, new URLSearchParams({ version: select.value }));
    if ("serving" in data) state = { chosen: data.chosen ?? null, serving: data.serving, version: data.version };
    problems.hidden = ok;
    problems.textContent = ok ? "" : `${t("preview_refused", {})}\n${(data.problems || [data.error]).join("\n")}`;
    mark();
  }

  function offer(number) {
    if (select.querySelector(`option[value='${number}']`)) return;
    const option = document.createElement("option");
    option.value = String(number);
    label(option, "preview_number", { number });
    select.querySelector("option[value='draft']").after(option);
  }

  async function poll() {
    try {
      const { ok, data } = await ask(CONFIG.versionUrl);
      if (!ok || data.serving === null || data.serving === state.serving) return;
      state.serving = data.serving;
      state.version = data.version;
      offer(data.serving);
      label($("new-version"), "new_version", { number: data.serving });
      $("new-version").hidden = false;
      mark();
    } catch (error) {
      // A server restarting or out of reach: the next poll asks again.
    }
  }

  select.addEventListener("change", choose);
  mark();
  setInterval(poll, CONFIG.pollSeconds * 1000);
})();
