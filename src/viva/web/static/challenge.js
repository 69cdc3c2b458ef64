// The challenge page: a CodeMirror editor, Run (visible examples) and Submit (everything).
(function () {
  "use strict";
  const root = document.getElementById("challenge");
  if (!root) return;
  const slug = root.dataset.slug;
  const sql = root.dataset.mode === "sql";
  const dialect = document.getElementById("dialect");
  const editor = CodeMirror.fromTextArea(document.getElementById("source"), {
    mode: sql ? "text/x-sql" : "python", lineNumbers: true, indentUnit: 4, tabSize: 4, indentWithTabs: false,
    matchBrackets: true, autoCloseBrackets: true, viewportMargin: Infinity,
    extraKeys: {
      Tab: (cm) => cm.execCommand("insertSoftTab"),
      // Tab indents, so Escape leaves the editor for the buttons (no keyboard trap)
      Esc: () => { const run = root.querySelector("button[data-action=run]"); if (run) run.focus(); },
      "Ctrl-Enter": () => act("run"),
      "Cmd-Enter": () => act("run"),
      "Shift-Ctrl-Enter": () => act("submit"),
      "Shift-Cmd-Enter": () => act("submit"),
    },
  });
  window.vivaEditor = editor;
  const out = document.getElementById("results");
  const buttons = root.querySelectorAll("button[data-action]");
  // A draft and the last verdict stay in this browser (localStorage), so a reload loses neither.
  const starter = editor.getValue();
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
  editor.on("change", () => {
    clearTimeout(saving);
    saving = setTimeout(() => {
      const source = editor.getValue();
      store(draftKey(), source === starter ? null : source);
    }, 300);
  });
  window.addEventListener("pagehide", () => {
    clearTimeout(saving);
    const source = editor.getValue();
    store(draftKey(), source === starter ? null : source);
  });
  if (dialect) {
    const chosen = stored(`viva:dialect:${slug}`);
    if (chosen && [...dialect.options].some((o) => o.value === chosen)) dialect.value = chosen;
    dialect.addEventListener("change", () => {
      store(`viva:dialect:${slug}`, dialect.value);
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
      const body = await response.json();
      if (!response.ok) {
        const detail = String(body.detail || body.title || `Error ${response.status}`);
        out.replaceChildren(el("pre", "message", detail.charAt(0).toUpperCase() + detail.slice(1)));
      } else {
        render(body);
        const kind = action === "run" ? "run" : "submission";
        store(verdictKey, JSON.stringify({ kind, result: { ...body, saved_at: Date.now() } }));
      }
    } catch (err) {
      out.replaceChildren(el("pre", "message", String(err)));
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  }
  buttons.forEach((b) => b.addEventListener("click", () => act(b.dataset.action)));
  try {
    const last = JSON.parse(stored(verdictKey) || "null");
    if (last && last.result && Array.isArray(last.result.tests)) render(last.result, last.kind);
  } catch (err) {
    store(verdictKey, null);
  }
})();
