// The challenge workspace: the problem beside a CodeMirror 6 editor (VivaEditor.mountEditor from
// the vendored bundle; a resizable split), a console for Run (visible examples) and Submit
// (everything), and a Submissions tab with past verdicts.
(function () {
  "use strict";
  const root = document.getElementById("challenge");
  if (!root || !window.VivaEditor) return;
  const slug = root.dataset.slug;
  const sql = root.dataset.mode === "sql";
  const dialect = document.getElementById("dialect");
  const field = document.getElementById("source");  // the form field: kept equal to the editor
  let onEdit = () => {};
  const cm = window.VivaEditor.mountEditor(document.getElementById("editor"), {
    doc: field.defaultValue,
    language: sql ? (dialect ? dialect.value : "sql") : "python",
    label: root.dataset.file,
    fill: true,
    onChange: (text) => { field.value = text; onEdit(); },
    onRun: () => act("run"),
    onSubmit: () => act("submit"),
    // Tab indents, so Escape leaves the editor for the buttons (no keyboard trap)
    onEscape: () => { const run = root.querySelector("button[data-action=run]"); if (run) run.focus(); },
  });
  // the page's editor, as scripts and tests reach it
  const editor = {
    view: cm.view,
    getValue: () => cm.text(),
    setValue: (text) => cm.setText(text),
    focus: () => cm.focus(),
    markLine: cm.markLine,
    lineCount: cm.lineCount,
  };
  window.vivaEditor = editor;
  const out = document.getElementById("results");
  const buttons = root.querySelectorAll("button[data-action]");
  // A draft and the last verdict stay in this browser (localStorage), so a reload loses neither.
  const starter = field.defaultValue;
  const draftKey = () => `viva:draft:${slug}` + (dialect ? `:${dialect.value}` : "");
  const verdictKey = `viva:verdict:${slug}`;
  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (err) { return null; }
  }
  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (err) { /* storage full or disabled: the page still works, without drafts */ }
  }
  function restoreDraft() {
    const draft = stored(draftKey());
    if (draft !== null && draft !== editor.getValue()) editor.setValue(draft);
  }
  let saving = null;
  onEdit = () => {
    clearTimeout(saving);
    saving = setTimeout(() => {
      const source = editor.getValue();
      store(draftKey(), source === starter ? null : source);
    }, 300);
  };
  window.addEventListener("pagehide", () => {
    clearTimeout(saving);
    const source = editor.getValue();
    store(draftKey(), source === starter ? null : source);
  });
  if (dialect) {
    const chosen = stored(`viva:dialect:${slug}`);
    if (chosen && [...dialect.options].some((o) => o.value === chosen)) dialect.value = chosen;
    cm.setLanguage(dialect.value);
    dialect.addEventListener("change", () => {
      store(`viva:dialect:${slug}`, dialect.value);
      cm.setLanguage(dialect.value);
      restoreDraft();
    });
  }
  restoreDraft();
  const reset = document.getElementById("reset-draft");
  if (reset) {
    reset.addEventListener("click", () => {
      editor.setValue(starter);
      store(draftKey(), null);
      editor.focus();
    });
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function show(value) {
    return value === null || value === undefined ? "" : JSON.stringify(value);
  }
  function grid(columns, rows, caption) {
    const wrap = el("div", "grid-wrap");
    if (caption) wrap.append(el("p", "meta", caption));
    const table = el("table", "grid");
    const head = el("tr");
    (columns || []).forEach((c) => head.append(el("th", "", c)));
    table.append(head);
    for (const row of rows || []) {
      const tr = el("tr");
      row.forEach((v) => tr.append(el("td", "", v === null ? "NULL" : String(v))));
      table.append(tr);
    }
    wrap.append(table);
    return wrap;
  }
  function cell(value) {
    const td = el("td", "mono");
    if (value && typeof value === "object" && Array.isArray(value.columns)) {
      td.append(grid(value.columns, value.rows, `${value.row_count} rows`));
      if (value.missing && value.missing.length) td.append(grid(value.columns, value.missing, "missing rows"));
      if (value.extra && value.extra.length) td.append(grid(value.columns, value.extra, "unexpected rows"));
    } else {
      td.textContent = show(value);
    }
    return td;
  }
  // the visible tests' inputs, as the prompt shows them, to repeat beside their results
  const inputs = {};
  document.querySelectorAll(".example[data-name]").forEach((node) => {
    const code = node.querySelector("pre code");
    if (code && code.textContent.trim()) inputs[node.dataset.name] = code.textContent;
  });
  function render(result, when) {
    out.replaceChildren();
    const ok = result.verdict === "Accepted";
    const head = el("div", "verdict " + (ok ? "verdict-ok" : "verdict-bad"));
    head.append(el("strong", "", result.verdict));
    head.append(el("span", "meta", ` · ${result.passed}/${result.total} tests · score ${Math.round(result.score * 100)}%`));
    if (when) head.append(el("span", "meta", ` · last ${when}, ${new Date(result.saved_at).toLocaleString()}`));
    out.append(head);
    // the overall message is shown once: not again when a failing row already says it
    const inRows = result.tests.filter((t) => !t.hidden && !t.passed && t.message).map((t) => t.message);
    if (result.message && !ok && !inRows.some((m) => result.message.includes(m))) {
      out.append(el("pre", "message", result.message));
    }
    const table = el("table", "tests");
    const tr = el("tr");
    ["Test", "Result", "Expected", "Got", "ms"].forEach((h) => tr.append(el("th", "", h)));
    table.append(tr);
    for (const t of result.tests) {
      const row = el("tr", t.passed ? "pass" : "fail");
      const name = el("td", "", t.name + (t.hidden ? " (hidden)" : ""));
      if (!t.hidden && inputs[t.name]) name.append(el("code", "test-input", inputs[t.name]));
      row.append(name);
      row.append(el("td", "outcome", t.passed ? "passed" : t.status));
      row.append(t.hidden ? el("td", "mono", "—") : cell(t.expected));
      const got = t.hidden ? el("td", "mono", "—") : cell(t.got);
      if (!t.hidden && t.message && !t.passed) got.append(el("div", "message", t.message));
      if (!t.hidden && t.output) {
        const printed = el("details", "printed");
        printed.append(el("summary", "", "printed output"), el("pre", "", t.output));
        got.append(printed);
      }
      row.append(got);
      row.append(el("td", "", String(t.ms)));
      table.append(row);
    }
    const scroll = el("div", "table-scroll");
    scroll.append(table);
    out.append(scroll);
    out.closest(".console").classList.add("has-results");
    window.viva.focusableScrollers(out);
  }
  async function act(action) {
    if ([...buttons].some((b) => b.disabled)) return;  // one run at a time
    buttons.forEach((b) => (b.disabled = true));
    out.replaceChildren(el("p", "meta", action === "run" ? "Running the examples…" : "Grading…"));
    const url = action === "run"
      ? `/api/v1/challenges/${slug}/run`
      : `/api/v1/challenges/${slug}/submissions?wait=true`;
    try {
      const csrf = (document.cookie.match(/(?:^|; )viva_csrf=([^;]*)/) || [])[1] || "";
      const response = await fetch(url, {
        method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": decodeURIComponent(csrf) },
        body: JSON.stringify(dialect ? { source: editor.getValue(), dialect: dialect.value } : { source: editor.getValue() }),
      });
      if (response.status === 401) {
        window.location.href = "/auth/login?next=" + encodeURIComponent(window.location.pathname);
        return;
      }
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        out.replaceChildren(el("p", "message", window.viva.problem(body, response.status)));
      } else {
        render(body);
        markSyntaxError(body);
        if (action === "submit") loadSubmissions();
        const kind = action === "run" ? "run" : "submission";
        store(verdictKey, JSON.stringify({ kind, result: { ...body, saved_at: Date.now() } }));
      }
    } catch (err) {
      out.replaceChildren(el("p", "message", "Viva could not be reached. Check the connection and try again."));
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  }
  // A syntax error is marked on its line in the editor until the code changes.
  function markSyntaxError(result) {
    editor.markLine(null);
    if (!result || result.verdict !== "Syntax Error") return;
    const found = /line (\d+)/.exec(result.message || "");
    if (!found || Number(found[1]) < 1) return;
    editor.markLine(Number(found[1]), result.message);
  }

  // Tabs: Description and Submissions (arrow keys move between them, as in the ARIA pattern).
  const tabs = [...root.querySelectorAll("[role=tab]")];
  function select(tab, focus) {
    tabs.forEach((t) => {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
    if (focus) tab.focus();
    if (tab.id === "submissions-tab") loadSubmissions();
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      select(tabs[(i + step + tabs.length) % tabs.length], true);
    });
  });

  // Submissions: the signed-in candidate's own, newest first, with verdict and code.
  const subsTable = document.getElementById("submissions-table");
  const subsStatus = document.getElementById("submissions-status");
  const subsCount = document.getElementById("submissions-count");
  const subsDetail = document.getElementById("submission-detail");
  function when(iso) {
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }
  function showSubmission(s) {
    subsDetail.replaceChildren();
    const head = el("div", "verdict " + (s.verdict === "Accepted" ? "verdict-ok" : "verdict-bad"));
    head.append(el("strong", "", s.verdict || s.status), el("span", "meta", ` · ${when(s.created_at)}`));
    subsDetail.append(head);
    if (s.message && s.verdict !== "Accepted") subsDetail.append(el("pre", "message", s.message));
    const code = el("pre", "submitted-code");
    code.tabIndex = 0;
    code.setAttribute("aria-label", `Code of submission ${s.id}`);
    code.append(el("code", "", s.source));
    window.setTimeout(() => window.viva.focusableScrollers(subsDetail), 0);
    const load = el("button", "secondary", "Open this code in the editor");
    load.type = "button";
    load.addEventListener("click", () => { editor.setValue(s.source); editor.focus(); });
    subsDetail.append(code, load);
  }
  let loading = null;
  function loadSubmissions() {
    if (loading) return loading;
    loading = fetch(`/api/v1/challenges/${slug}/submissions?limit=50`, { credentials: "same-origin" })
      .then(async (response) => {
        if (response.status === 401) {
          subsStatus.replaceChildren("Sign in to see your submissions. ");
          const a = el("a", "", "Sign in");
          a.href = "/auth/login?next=" + encodeURIComponent(window.location.pathname);
          subsStatus.append(a);
          return;
        }
        const body = await response.json().catch(() => ({}));
        if (!response.ok) { subsStatus.textContent = window.viva.problem(body, response.status); return; }
        const rows = subsTable.querySelector("tbody");
        rows.replaceChildren();
        subsCount.textContent = body.length ? String(body.length) : "";
        subsTable.hidden = body.length === 0;
        subsStatus.textContent = body.length ? "" : "No submissions yet: Submit grades your code on every test and lists it here.";
        subsStatus.hidden = body.length > 0;
        for (const s of body) {
          const tr = el("tr", s.verdict === "Accepted" ? "pass" : s.verdict ? "fail" : "");
          tr.append(el("td", "", when(s.created_at)));
          tr.append(el("td", "outcome", s.verdict || s.status));
          tr.append(el("td", "", s.total === null ? "—" : `${s.passed}/${s.total}`));
          const view = el("button", "link", "View code");
          view.type = "button";
          view.setAttribute("aria-label", `View code of the submission of ${when(s.created_at)}`);
          view.addEventListener("click", () => showSubmission(s));
          const td = el("td");
          td.append(view);
          tr.append(td);
          rows.append(tr);
        }
      })
      .catch(() => { subsStatus.textContent = "The submissions could not be loaded."; })
      .finally(() => { loading = null; });
    return loading;
  }

  // The split between problem and editor: drag the bar, or focus it and press the arrow keys.
  const splitter = document.getElementById("splitter");
  const splitKey = "viva:split";
  function setSplit(percent, save) {
    const value = Math.max(20, Math.min(75, Math.round(percent)));
    root.style.setProperty("--split", `${value}%`);
    splitter.setAttribute("aria-valuenow", String(value));
    if (save) store(splitKey, String(value));
  }
  const savedSplit = Number(stored(splitKey));
  if (savedSplit) setSplit(savedSplit, false);
  splitter.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    splitter.setPointerCapture(event.pointerId);
    root.classList.add("dragging");
    const box = root.getBoundingClientRect();
    const move = (e) => setSplit(((e.clientX - box.left) / box.width) * 100, false);
    const up = (e) => {
      splitter.removeEventListener("pointermove", move);
      splitter.removeEventListener("pointerup", up);
      root.classList.remove("dragging");
      setSplit(((e.clientX - box.left) / box.width) * 100, true);
    };
    splitter.addEventListener("pointermove", move);
    splitter.addEventListener("pointerup", up);
  });
  splitter.addEventListener("keydown", (event) => {
    const step = { ArrowLeft: -5, ArrowRight: 5, Home: -100, End: 100 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    setSplit(Number(splitter.getAttribute("aria-valuenow")) + step, true);
  });

  // Previous / Next challenge, in the order of the challenge list.
  const around = document.getElementById("challenge-nav");
  if (around) {
    fetch("/api/v1/challenges").then((r) => (r.ok ? r.json() : [])).then((all) => {
      const i = all.findIndex((c) => c.slug === slug);
      if (i < 0) return;
      const items = [];
      if (i > 0) items.push(["prev", `← ${all[i - 1].title}`, all[i - 1].slug, "Previous challenge"]);
      if (i + 1 < all.length) items.push(["next", `${all[i + 1].title} →`, all[i + 1].slug, "Next challenge"]);
      for (const [rel, text, target, label] of items) {
        const a = el("a", `challenge-${rel}`, text);
        a.href = `/challenges/${target}`;
        a.rel = rel;
        a.setAttribute("aria-label", `${label}: ${text.replace(/[←→]/g, "").trim()}`);
        around.append(a);
      }
    }).catch(() => {});
  }

  buttons.forEach((b) => b.addEventListener("click", () => act(b.dataset.action)));
  try {
    const last = JSON.parse(stored(verdictKey) || "null");
    if (last && last.result && Array.isArray(last.result.tests)) {
      render(last.result, last.kind);
      markSyntaxError(last.result);
    }
  } catch (err) {
    store(verdictKey, null);
  }
})();
