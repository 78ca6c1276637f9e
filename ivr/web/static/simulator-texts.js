// The simulator's text-message panel: after each step, the texts the call asked for, with the mobile masked and the
// status the outbox holds ("simulated": a simulator call's texts are never sent).
(() => {
  "use strict";
  document.addEventListener("simulator:step", (event) => {
    const texts = event.detail.texts || [];
    const list = document.getElementById("texts");
    list.replaceChildren(...texts.map((text) => {
      const item = document.createElement("li");
      const to = document.createElement("code");
      to.textContent = `→ ${text.to} (${text.status})`;
      const body = document.createElement("p");
      body.className = "text-body";
      body.textContent = text.body;
      item.append(to, body);
      return item;
    }));
    document.getElementById("no-texts").hidden = texts.length > 0;
  });
})();
