// The live interview room: a CodeMirror 6 editor bound to a shared Yjs document
// (y-codemirror.next), synced through Viva's pycrdt-websocket endpoint, with presence
// (each cursor and selection in its participant's colour) and a control socket for runs,
// verdicts and, for the interviewer only, the candidate's signals.
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { yCollab } from "y-codemirror.next";
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { EditorState, Compartment } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { sql, PostgreSQL, SQLite } from "@codemirror/lang-sql";

// Close codes after which reconnecting cannot help (see README "Live rooms").
const FINAL_CODES = new Set([4401, 4403, 4404, 4410]);
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b"];

function languageOf(name) {
  if (name === "postgresql") return sql({ dialect: PostgreSQL });
  if (name === "sqlite" || name === "sql") return sql({ dialect: SQLite });
  return python();
}

// The editor lives in a shadow root: CodeMirror then styles it with constructable
// stylesheets, which Viva's CSP (style-src 'self', no inline <style>) allows.
function shadowParent(host) {
  const shadow = host.shadowRoot ?? host.attachShadow({ mode: "open" });
  const inner = document.createElement("div");
  shadow.replaceChildren(inner);
  return { shadow, inner };
}

const vivaTheme = EditorView.theme({
  "&": { minHeight: "22rem", fontSize: ".92rem", backgroundColor: "#fff", borderRadius: "10px" },
  ".cm-scroller": { minHeight: "22rem", fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" },
  "&.cm-focused": { outline: "2px solid #3b5bdb" },
  ".cm-ySelectionInfo": { fontFamily: "system-ui, sans-serif" },
});

function colourFor(userId) {
  return COLOURS[Math.abs(Number(userId) || 0) % COLOURS.length];
}

/** Mount the shared editor in `parent`. Options: docUrl (ws base), user {id, name},
 * language, readOnly, onRun (Ctrl/Cmd+Enter), onPaste(size), onStatus(text). */
export function mountRoomEditor(parent, options) {
  const doc = new Y.Doc();
  const ytext = doc.getText("code");
  const provider = new WebsocketProvider(options.docUrl, "doc", doc, {
    disableBc: true,
    maxBackoffTime: 2000,
    shouldReconnect: (event) => !FINAL_CODES.has(event.code),
  });
  const colour = colourFor(options.user.id);
  provider.awareness.setLocalStateField("user", {
    name: options.user.name,
    color: colour,
    colorLight: colour + "33",
  });
  const undoManager = new Y.UndoManager(ytext);
  const language = new Compartment();
  const editable = new Compartment();
  const runKeys = keymap.of([
    { key: "Mod-Enter", preventDefault: true, run: () => { options.onRun?.(); return true; } },
  ]);
  const { shadow, inner } = shadowParent(parent);
  const view = new EditorView({
    parent: inner,
    root: shadow,
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        runKeys,
        basicSetup,
        vivaTheme,
        keymap.of([indentWithTab]),
        language.of(languageOf(options.language)),
        editable.of(EditorState.readOnly.of(Boolean(options.readOnly))),
        yCollab(ytext, provider.awareness, { undoManager }),
        EditorView.domEventHandlers({
          paste(event) {
            const text = event.clipboardData?.getData("text/plain") ?? "";
            options.onPaste?.(text.length);
            return false;
          },
        }),
        EditorView.contentAttributes.of({ "aria-label": options.label ?? "Shared code editor" }),
      ],
    }),
  });
  provider.on("status", (event) => options.onStatus?.(event.status));
  provider.on("connection-close", (event) => {
    if (event && FINAL_CODES.has(event.code)) options.onStatus?.("refused:" + event.code);
  });
  const peers = () =>
    Array.from(provider.awareness.getStates().entries())
      .filter(([, state]) => state.user)
      .map(([clientId, state]) => ({ clientId, ...state.user }));
  provider.awareness.on("change", () => options.onPeers?.(peers()));
  return {
    view,
    doc,
    provider,
    text: () => ytext.toString(),
    setLanguage: (name) => view.dispatch({ effects: language.reconfigure(languageOf(name)) }),
    setReadOnly: (flag) =>
      view.dispatch({ effects: editable.reconfigure(EditorState.readOnly.of(flag)) }),
    peers,
    destroy() {
      provider.destroy();
      view.destroy();
    },
  };
}

/** A plain (unshared) CodeMirror 6 editor, for challenge pages. */
export function mountEditor(parent, options) {
  const language = new Compartment();
  const { shadow, inner } = shadowParent(parent);
  const view = new EditorView({
    parent: inner,
    root: shadow,
    state: EditorState.create({
      doc: options.doc ?? "",
      extensions: [
        vivaTheme,
        keymap.of([
          { key: "Mod-Enter", preventDefault: true, run: () => { options.onRun?.(); return true; } },
        ]),
        basicSetup,
        keymap.of([indentWithTab]),
        language.of(languageOf(options.language)),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) options.onChange?.(update.state.doc.toString());
        }),
        EditorView.contentAttributes.of({ "aria-label": options.label ?? "Code editor" }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText: (text) =>
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    setLanguage: (name) => view.dispatch({ effects: language.reconfigure(languageOf(name)) }),
  };
}
