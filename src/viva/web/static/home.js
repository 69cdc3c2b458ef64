// The home page: search every track as you type, and for a signed-in user the cards due,
// challenges solved, streak and the challenge to continue.
(function () {
  "use strict";
  const form = document.getElementById("home-search");
  const input = document.getElementById("home-q");
  const out = document.getElementById("search-results");
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  let seq = 0;
  async function search() {
    const q = input.value.trim();
    const mine = ++seq;
    if (q.length < 2) { out.replaceChildren(); return; }
    try {
      const response = await fetch(`/api/v1/questions?limit=10&q=${encodeURIComponent(q)}`);
      const body = await response.json();
      if (mine !== seq) return;  // a newer search is on its way
      if (!response.ok) { out.replaceChildren(el("p", "message", window.viva.problem(body, response.status))); return; }
      if (!body.items.length) { out.replaceChildren(el("p", "empty", `No question matches “${q}”.`)); return; }
      const list = el("ul", "qlist");
      for (const item of body.items) {
        const li = el("li");
        const a = el("a", "qlink");
        a.href = `/questions/${item.id}`;
        a.append(el("span", "qnum", String(item.number)), el("span", "qtext", item.text));
        const badges = el("span", "badges");
        badges.append(el("span", "badge", item.category.title || item.track), el("span", `badge kind-${item.kind}`, item.kind), el("span", `badge diff-${item.difficulty}`, item.difficulty));
        li.append(a, badges);
        list.append(li);
      }
      const head = el("p", "meta", body.next ? `The first ${body.items.length} matches:` : `${body.items.length} match${body.items.length === 1 ? "" : "es"}:`);
      out.replaceChildren(head, list);
    } catch (err) {
      if (mine === seq) out.replaceChildren(el("p", "message", "The search could not reach Viva."));
    }
  }
  let timer = null;
  if (form) {
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 200); });
    form.addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(timer); search(); });
  }

  const you = document.getElementById("you");
  function set(id, text) { const node = document.getElementById(id); if (node) node.textContent = text; }
  function lastChallenge() {
    // the newest draft or verdict this browser keeps (challenge.js stores them per challenge)
    let best = null;
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        const found = /^viva:verdict:(.+)$/.exec(key || "");
        if (!found) continue;
        const saved = JSON.parse(localStorage.getItem(key) || "null");
        const at = saved && saved.result && saved.result.saved_at;
        if (at && (!best || at > best.at)) best = { slug: found[1], at, verdict: saved.result.verdict };
      }
    } catch (err) { /* no storage */ }
    return best;
  }
  document.addEventListener("viva:user", async () => {
    you.hidden = false;
    document.body.classList.add("signed-in");
    const get = (url) => fetch(url, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
    const [queue, progress] = await Promise.all([get("/api/v1/me/review/queue?limit=1"), get("/api/v1/me/progress")]);
    if (queue) set("due-count", String(queue.total));
    if (progress) {
      set("solved-count", String(progress.solved));
      set("solved-of", `of ${progress.attempted} tried · ${progress.submissions} submissions`);
      set("streak-count", String(progress.streak_days));
    }
    const recent = progress && progress.recent && progress.recent[0];
    const local = lastChallenge();
    let slug = null, verdict = null;
    if (local && (!recent || local.at >= Date.parse(recent.created_at))) { slug = local.slug; verdict = local.verdict; }
    else if (recent) { slug = recent.challenge; verdict = recent.verdict; }
    if (slug) {
      const detail = await get(`/api/v1/challenges/${encodeURIComponent(slug)}`);
      document.getElementById("continue-card").href = `/challenges/${encodeURIComponent(slug)}`;
      set("continue-title", detail ? detail.title : slug);
      set("continue-meta", verdict ? `Last verdict: ${verdict}` : "Your draft is kept");
    }
  });
})();
