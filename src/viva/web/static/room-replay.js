// The room replay: a scrubber over the timeline; the code as it was, with runs marked.
(function () {
  "use strict";
  const data = document.getElementById("replay-frames");
  const scrubber = document.getElementById("scrubber");
  if (!data || !scrubber) return;
  const frames = JSON.parse(data.textContent);
  const code = document.getElementById("replay-code");
  const at = document.getElementById("replay-at");
  const marks = document.getElementById("replay-marks");
  const start = frames.length ? new Date(frames[0].at) : new Date();

  function codeAt(index) {
    for (let i = index; i >= 0; i--) {
      const f = frames[i];
      if (f.kind === "edit" && typeof f.data.text === "string") return f.data.text;
      if ((f.kind === "run" || f.kind === "verdict") && typeof f.data.source === "string") return f.data.source;
    }
    return "";
  }

  function elapsed(frame) {
    const s = Math.max(0, Math.round((new Date(frame.at) - start) / 1000));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  function show(index) {
    const frame = frames[index];
    code.textContent = codeAt(index);
    at.textContent = `${elapsed(frame)} · ${frame.kind}${frame.data.verdict ? " · " + frame.data.verdict : ""}`;
    for (const li of marks.children) li.classList.toggle("current", Number(li.dataset.index) === index);
  }

  frames.forEach((frame, index) => {
    if (!["run", "verdict", "paste", "blur", "join", "load"].includes(frame.kind)) return;
    const li = document.createElement("li");
    li.dataset.index = String(index);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link mark-" + frame.kind;
    button.textContent = `${elapsed(frame)} ${frame.kind}${frame.data.verdict ? " — " + frame.data.verdict : ""}${frame.kind === "paste" ? " — " + frame.data.size + " chars" : ""}`;
    button.addEventListener("click", () => { scrubber.value = String(index); show(index); });
    li.append(button);
    marks.append(li);
  });
  scrubber.addEventListener("input", () => show(Number(scrubber.value)));
  show(Number(scrubber.value));
})();
