/* Routing live channel: one websocket per page to /ws/routing/<org>/. Offers and state
   changes make htmx re-read the presence widget; queue sizes are patched in place; the
   wallboard re-reads its table (at most once a second). Reconnects with a growing pause. */
(function () {
  "use strict";
  var slot = document.getElementById("presence-slot");
  if (!slot || !window.WebSocket) { return; }
  var path = slot.getAttribute("data-ws-path");
  var delay = 1000;
  var wallboardTimer = null;
  var timers = [];

  function refresh() { if (window.htmx) { htmx.trigger(document.body, "routing:refresh"); } }

  function refreshWallboard() {
    if (wallboardTimer || !document.getElementById("wallboard")) { return; }
    wallboardTimer = setTimeout(function () {
      wallboardTimer = null;
      htmx.trigger(document.body, "wallboard:refresh");
    }, 1000);
  }

  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.35);
    } catch (e) { /* no sound allowed before the first click: the popup still shows */ }
  }

  function startCountdowns() {
    timers.forEach(clearInterval);
    timers = [];
    document.querySelectorAll(".offer-popup[data-expires]").forEach(function (popup) {
      var expires = Date.parse(popup.getAttribute("data-expires"));
      var out = popup.querySelector(".countdown");
      function tick() {
        var left = Math.max(0, Math.round((expires - Date.now()) / 1000));
        if (out) { out.textContent = String(left); }
        if (left <= 0) { refresh(); }
      }
      tick();
      timers.push(setInterval(tick, 1000));
    });
  }

  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.target === slot) { startCountdowns(); }
  });

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + path);
    ws.onopen = function () { delay = 1000; slot.setAttribute("data-live", "1"); };
    ws.onmessage = function (msg) {
      var data = JSON.parse(msg.data);
      if (data.type === "offer") { beep(); refresh(); }
      else if (data.type === "offer_gone" || data.type === "state") { refresh(); }
      else if (data.type === "sizes") {
        document.querySelectorAll(".qsize[data-queue]").forEach(function (el) {
          var n = data.queues[el.getAttribute("data-queue")] || 0;
          var b = el.querySelector("b");
          if (b) { b.textContent = String(n); }
        });
        refreshWallboard();
      } else if (data.type === "queues") { refreshWallboard(); }
    };
    ws.onclose = function () {
      slot.removeAttribute("data-live");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
