// On every page: the account menu (who is signed in, their pages, Sign out), keyboard access
// to regions that scroll sideways, and `viva.problem()` that words an API error as a sentence.
(function () {
  "use strict";
  const viva = (window.viva = window.viva || {});

  viva.csrf = function () {
    const found = document.cookie.match(/(?:^|; )viva_csrf=([^;]*)/);
    return found ? decodeURIComponent(found[1]) : "";
  };

  function sentence(text) {
    const s = String(text || "").trim();
    if (!s) return s;
    const capital = s.charAt(0).toUpperCase() + s.slice(1);
    return /[.!?…)]$/.test(capital) ? capital : capital + ".";
  }
  viva.sentence = sentence;
  // A problem+json body as a sentence: the server words `detail` (validation errors included);
  // the first letter is capitalised and the sentence ends with a full stop.
  viva.problem = function (body, status) {
    const detail = body && (body.detail || body.title);
    return sentence(detail ? String(detail) : `The server answered with error ${status || ""}`.trim());
  };

  // Scrolling regions (code, wide tables) take keyboard focus so they can be scrolled with arrows.
  // viva.scrollerRuns counts the passes, so a test can wait for the one after a resize.
  viva.scrollerRuns = 0;
  function focusableScrollers(root) {
    viva.scrollerRuns += 1;
    root.querySelectorAll("pre, .grid-wrap, .table-scroll, table.tests, .md table").forEach((node) => {
      if (node.hasAttribute("tabindex")) return;
      if (node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1) {
        node.tabIndex = 0;
        if (!node.getAttribute("aria-label") && !node.getAttribute("role") && node.tagName === "DIV") {
          node.setAttribute("role", "region");
          node.setAttribute("aria-label", node.id === "results" ? "Results" : "Scrollable table");
        }
      }
    });
  }
  viva.focusableScrollers = focusableScrollers;
  let pending = null;
  function refresh() {
    clearTimeout(pending);
    pending = setTimeout(() => focusableScrollers(document), 100);
  }
  window.addEventListener("resize", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
  focusableScrollers(document);

  // The account menu
  const account = document.getElementById("account");
  if (!account) return;
  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    a.setAttribute("role", "menuitem");
    return a;
  }
  function menu(user) {
    const details = document.createElement("details");
    details.className = "account-menu";
    const summary = document.createElement("summary");
    const avatar = document.createElement("span");
    avatar.className = "avatar";
    avatar.setAttribute("aria-hidden", "true");
    avatar.textContent = user.username.replace(/^e2e-/, "").charAt(0).toUpperCase() || "?";
    const name = document.createElement("span");
    name.className = "account-name";
    name.textContent = user.username;
    const role = document.createElement("span");
    role.className = "sr-only";
    role.textContent = ` (${user.role}): account menu`;
    summary.append(avatar, name, role);
    const panel = document.createElement("div");
    panel.className = "account-panel";
    const who = document.createElement("p");
    who.className = "meta";
    who.textContent = `Signed in as ${user.username} · ${user.role}`;
    panel.append(who, link("/progress", "Your progress"), link("/practice", "Review cards"), link("/mock", "Mock interviews"));
    if (user.role !== "candidate") panel.append(link("/candidates", "Candidates"));
    if (user.role === "admin") panel.append(link("/admin/assignments", "Assignments"));
    panel.append(link("/docs", "API and API keys"));
    const form = document.createElement("form");
    form.method = "post";
    form.action = "/auth/logout";
    const token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = viva.csrf();
    const out = document.createElement("button");
    out.type = "submit";
    out.className = "secondary";
    out.textContent = "Sign out";
    form.append(token, out);
    panel.append(form);
    details.append(summary, panel);
    details.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && details.open) {
        details.open = false;
        summary.focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (details.open && !details.contains(event.target)) details.open = false;
    });
    return details;
  }
  fetch("/api/v1/me", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((user) => {
      if (!user || !user.username) return;
      viva.user = user;
      account.replaceChildren(menu(user));
      document.dispatchEvent(new CustomEvent("viva:user", { detail: user }));
    })
    .catch(() => {});
})();
