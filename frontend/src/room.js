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
import { languageOf, shadowParent, vivaTheme, fourSpaces } from "./editor.js";

export { mountEditor } from "./editor.js";

// Close codes after which reconnecting cannot help (see README "Live rooms").
const FINAL_CODES = new Set([4401, 4403, 4404, 4410]);
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b"];

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
        fourSpaces,
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
