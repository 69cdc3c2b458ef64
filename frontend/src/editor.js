// The plain CodeMirror 6 editor of the challenge pages, and what it shares with the room's
// editor: the language modes, 4-space indentation, the theme and the shadow-root mount.
import { EditorView, basicSetup } from "codemirror";
import { keymap, gutter, GutterMarker, Decoration } from "@codemirror/view";
import { EditorState, Compartment, Prec, StateEffect, StateField, RangeSet } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { indentUnit } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { sql, PostgreSQL, SQLite } from "@codemirror/lang-sql";

export function languageOf(name) {
  if (name === "postgresql" || name === "postgres") return sql({ dialect: PostgreSQL });
  if (name === "sqlite" || name === "sql") return sql({ dialect: SQLite });
  return python();
}

// The editor lives in a shadow root: CodeMirror then styles it with constructable
// stylesheets, which Viva's CSP (style-src 'self', no inline <style>) allows.
export function shadowParent(host) {
  const shadow = host.shadowRoot ?? host.attachShadow({ mode: "open" });
  const inner = document.createElement("div");
  shadow.replaceChildren(inner);
  return { shadow, inner };
}

export const vivaTheme = EditorView.theme({
  "&": { minHeight: "22rem", fontSize: ".92rem", backgroundColor: "#fff", borderRadius: "10px" },
  ".cm-scroller": { minHeight: "22rem", fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" },
  "&.cm-focused": { outline: "2px solid #3b5bdb" },
  ".cm-ySelectionInfo": { fontFamily: "system-ui, sans-serif" },
  ".cm-line.line-error": { backgroundColor: "#ffe3e3" },
  ".error-gutter": { width: "1rem" },
  ".error-marker": { color: "#b42318", fontSize: ".7rem", paddingLeft: ".2rem", cursor: "help" },
});

// Fills its host (the challenge workspace sizes the host; the editor scrolls inside it).
const fillTheme = EditorView.theme({
  "&": { height: "100%", minHeight: "0", borderRadius: "0" },
  ".cm-scroller": { minHeight: "0", overflow: "auto" },
  "&.cm-focused": { outlineOffset: "-2px" },
});

// Python's convention: 4 spaces (CodeMirror's default unit is 2).
export const fourSpaces = [indentUnit.of("    "), EditorState.tabSize.of(4)];

// One marked line (a syntax error): a tinted line and a dot in the gutter carrying the
// message; any edit clears it.
const setMark = StateEffect.define();
const markField = StateField.define({
  create: () => null,
  update(value, tr) {
    let next = tr.docChanged ? null : value;
    for (const effect of tr.effects) if (effect.is(setMark)) next = effect.value;
    return next;
  },
  provide: (field) =>
    EditorView.decorations.from(field, (mark) =>
      mark ? Decoration.set([Decoration.line({ class: "line-error" }).range(mark.from)]) : Decoration.none,
    ),
});
class ErrorMarker extends GutterMarker {
  constructor(message) {
    super();
    this.message = message;
  }
  eq(other) {
    return other.message === this.message;
  }
  toDOM() {
    const dot = document.createElement("span");
    dot.className = "error-marker";
    dot.textContent = "●";
    dot.title = this.message;
    return dot;
  }
}
const errorGutter = gutter({
  class: "error-gutter",
  markers: (view) => {
    const mark = view.state.field(markField);
    return mark ? RangeSet.of([new ErrorMarker(mark.message).range(mark.from)]) : RangeSet.empty;
  },
});

/** A plain (unshared) CodeMirror 6 editor, for challenge pages. Options: doc, language,
 * label, fill (fill the host), onChange(text), onRun (Ctrl/Cmd+Enter), onSubmit
 * (Shift+Ctrl/Cmd+Enter), onEscape (Esc: leave the editor, so Tab can indent). */
export function mountEditor(parent, options) {
  const language = new Compartment();
  const { shadow, inner } = shadowParent(parent);
  if (options.fill) inner.style.height = "100%";
  const call = (fn) => () => {
    fn?.();
    return true;
  };
  const view = new EditorView({
    parent: inner,
    root: shadow,
    state: EditorState.create({
      doc: options.doc ?? "",
      extensions: [
        vivaTheme,
        options.fill ? Prec.highest(fillTheme) : [],  // over vivaTheme's minimum height
        keymap.of([
          { key: "Mod-Enter", preventDefault: true, run: call(options.onRun) },
          { key: "Shift-Mod-Enter", preventDefault: true, run: call(options.onSubmit) },
          ...(options.onEscape ? [{ key: "Escape", run: call(options.onEscape) }] : []),
        ]),
        markField,
        errorGutter,
        basicSetup,
        fourSpaces,
        keymap.of([indentWithTab]),
        language.of(languageOf(options.language)),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) options.onChange?.(update.state.doc.toString());
        }),
        // tabindex: the editable content is the scrolling region's focusable part (axe)
        EditorView.contentAttributes.of({ "aria-label": options.label ?? "Code editor", tabindex: "0" }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText: (text) =>
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    setLanguage: (name) => view.dispatch({ effects: language.reconfigure(languageOf(name)) }),
    focus: () => view.focus(),
    lineCount: () => view.state.doc.lines,
    /** Mark line `number` (1-based) with `message`, or clear the mark with null. */
    markLine(number, message) {
      if (number === null) {
        view.dispatch({ effects: setMark.of(null) });
        return;
      }
      const line = view.state.doc.line(Math.max(1, Math.min(view.state.doc.lines, number)));
      view.dispatch({
        effects: [setMark.of({ from: line.from, message }), EditorView.scrollIntoView(line.from, { y: "center" })],
      });
    },
  };
}
