// Chat page: lines are POSTed over HTTP; the websocket only brings what the server pushes
// (both sides' lines, operator joined, chat ended). Without a socket the page still works
// by plain form posts and reloads.
(function () {
  const form = document.getElementById("chat-form") || document.getElementById("desk-chat-form");
  const log = document.getElementById("chat-log");
  if (!form || !log) return;
  const state = document.getElementById("chat-state");
  const seen = new Set(Array.from(log.querySelectorAll("[data-id]")).map((el) => el.dataset.id));
  const mine = form.dataset.mine || "visitor";
  function add(line) {
    if (seen.has(String(line.id))) return;
    seen.add(String(line.id));
    const div = document.createElement("div");
    const ours = line.from === mine;
    const outbound = line.from === "operator";
    div.className = "p-msg " + (outbound ? "p-out" : "p-in");
    div.dataset.id = line.id;
    const meta = document.createElement("div");
    meta.className = "p-meta";
    meta.textContent = ours ? form.dataset.you : form.dataset.them;
    div.appendChild(meta);
    div.appendChild(document.createTextNode(line.text));
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }
  let socket = null;
  try {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + form.dataset.ws);
    socket.onmessage = (ev) => {
      const data = JSON.parse(ev.data);
      if (data.type === "line") add(data);
      else if (state && data.type === "joined") state.textContent = state.dataset.joined;
      else if (state && data.type === "ended") { state.textContent = state.dataset.ended; form.remove(); }
    };
  } catch (e) { socket = null; }
  form.addEventListener("submit", async (ev) => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return; // plain POST + reload
    ev.preventDefault();
    const input = form.querySelector("[name=text]");
    const body = new FormData(form);
    input.value = "";
    // getAttribute: the forms carry an input named "action", which shadows form.action.
    const resp = await fetch(form.getAttribute("action") || location.href, {
      method: "POST", body, headers: { "X-Requested-With": "fetch" },
    });
    if (!resp.ok) { input.value = body.get("text"); alert(await resp.text()); }
  });
})();
