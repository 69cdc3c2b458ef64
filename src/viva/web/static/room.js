// The live room page: the shared editor (VivaEditor bundle), the control socket, Run/Submit,
// and the interviewer's private panel.
(function () {
  "use strict";
  const root = document.getElementById("room");
  if (!root || !window.VivaEditor) return;
  const roomId = root.dataset.room;
  const role = root.dataset.role;
  const csrf = root.dataset.csrf;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const base = `${scheme}//${location.host}/api/v1/rooms/${roomId}`;
  const status = document.getElementById("room-status");
  const output = document.getElementById("room-output");
  const FINAL = { 4401: "sign in again", 4403: "refused", 4404: "no such room", 4410: "the room is closed" };

  function text(tag, value, cls) {
    const el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }

  function setStatus(value) {
    status.textContent = value;
    root.dataset.status = value;
  }

  function api(method, path, body) {
    return fetch(`/api/v1/rooms/${roomId}${path}`, {
      method,
      headers: { "content-type": "application/json", "x-csrf-token": csrf, accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    }).then(async (response) => {
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(data.detail || data.title || `HTTP ${response.status}`);
      return data;
    });
  }

  function showResult(title, verdict, passed, total, message, tests) {
    output.replaceChildren();
    const ok = verdict === "Accepted" || verdict === "passed";
    const head = text("p", `${title}: ${verdict} · ${passed}/${total} tests`, "verdict " + (ok ? "verdict-ok" : "verdict-bad"));
    head.dataset.verdict = verdict;
    output.append(head);
    if (message) output.append(text("pre", message, "message"));
    if (tests && tests.length) {
      const list = document.createElement("ul");
      list.className = "room-tests";
      for (const t of tests) {
        list.append(text("li", `${t.passed ? "✓" : "✗"} ${t.name}${t.hidden ? " (hidden)" : ""} — ${t.status}`, t.passed ? "pass" : "fail"));
      }
      output.append(list);
    }
  }

  // --- the shared editor ---------------------------------------------------------------
  let live = null;
  const editor = window.VivaEditor.mountRoomEditor(document.getElementById("editor"), {
    docUrl: base + "/doc",
    user: { id: root.dataset.userId, name: root.dataset.username },
    language: root.dataset.language,
    readOnly: role === "observer",
    onRun: () => run(),
    onPaste: (size) => signal("paste", size),
    onStatus: (value) => {
      if (value.startsWith("refused:")) setStatus(FINAL[value.slice(8)] || "refused");
      else setStatus(value === "connected" ? "connected" : value === "disconnected" ? "offline: your edits are kept and sent on reconnect" : value);
    },
    onPeers: (peers) => {
      const list = document.getElementById("participants");
      list.replaceChildren(...peers.map((p) => {
        const li = text("li", p.name, "peer");
        li.style.setProperty("--peer", p.color);
        return li;
      }));
    },
  });
  window.vivaRoom = { editor, state: () => root.dataset.status };

  // --- the control socket --------------------------------------------------------------
  let backoff = 500;
  function connect() {
    const socket = new WebSocket(base + "/live");
    live = socket;
    socket.addEventListener("open", () => { backoff = 500; });
    socket.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      handle(frame);
    });
    socket.addEventListener("close", (event) => {
      live = null;
      if (FINAL[event.code]) { setStatus(FINAL[event.code]); return; }
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 5000);
    });
  }
  setInterval(() => { if (live && live.readyState === 1) live.send('{"type":"ping"}'); }, 25000);

  function handle(frame) {
    if (frame.type === "run") {
      const r = frame.result;
      showResult(`Run by ${frame.by}`, r.verdict, r.passed, r.total, r.message, r.tests);
    } else if (frame.type === "submitting") {
      output.replaceChildren(text("p", `Submitted by ${frame.by}: grading…`, "meta"));
    } else if (frame.type === "verdict") {
      const s = frame.submission;
      showResult(`Submission by ${frame.by}`, s.verdict || s.status, s.passed || 0, s.total || 0, s.message, s.tests);
    } else if (frame.type === "loaded") {
      if (frame.language) editor.setLanguage(frame.language);
      if (frame.challenge) {
        root.dataset.challenge = frame.challenge;
        const prompt = document.getElementById("room-prompt");
        prompt.replaceChildren(text("h2", frame.title || frame.challenge), text("p", "Loaded by the interviewer; reload the page for the full prompt.", "meta"));
      }
    } else if (frame.type === "signal") {
      const list = document.getElementById("signals");
      if (!list) return;
      list.querySelector(".empty")?.remove();
      const when = new Date(frame.at).toLocaleTimeString();
      const what = frame.kind === "paste" ? `pasted ${frame.size} characters` : frame.kind === "blur" ? "left the tab" : frame.kind === "focus" ? "came back" : "idle";
      list.prepend(text("li", `${when} · ${frame.by} ${what}`, "signal signal-" + frame.kind));
    } else if (frame.type === "private") {
      const notes = document.getElementById("private-notes");
      if (notes && document.activeElement !== notes) notes.value = frame.notes;
    } else if (frame.type === "closed") {
      setStatus("the room is closed");
    }
  }

  function signal(kind, size) {
    if (role !== "candidate" || !live || live.readyState !== 1) return;
    live.send(JSON.stringify({ type: "signal", kind, size: size || 0 }));
  }
  document.addEventListener("visibilitychange", () => signal(document.hidden ? "blur" : "focus"));

  // --- run / submit --------------------------------------------------------------------
  function run() {
    if (role === "observer") return;
    output.replaceChildren(text("p", "Running…", "meta"));
    api("POST", "/run").catch((err) => output.replaceChildren(text("p", err.message, "message")));
  }
  document.getElementById("room-run")?.addEventListener("click", run);
  document.getElementById("room-submit")?.addEventListener("click", () => {
    api("POST", "/submissions").catch((err) => output.replaceChildren(text("p", err.message, "message")));
  });

  // --- the interviewer's panel ---------------------------------------------------------
  document.getElementById("private-save")?.addEventListener("click", () => {
    const state = document.getElementById("private-state");
    const checked = document.querySelector('input[name="signal"]:checked');
    api("PUT", "/private", {
      notes: document.getElementById("private-notes").value,
      rubric: [],
      signal: checked ? checked.value : null,
    }).then(() => { state.textContent = "Saved"; }).catch((err) => { state.textContent = err.message; });
  });
  document.getElementById("load-challenge")?.addEventListener("change", (event) => {
    if (!event.target.value) return;
    api("POST", "/load", { challenge: event.target.value }).catch((err) => output.replaceChildren(text("p", err.message, "message")));
  });
  document.getElementById("room-close")?.addEventListener("click", () => {
    api("POST", "/close").then(() => setStatus("the room is closed"));
  });

  connect();
})();
