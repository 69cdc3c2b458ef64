// Pages that follow the signed-in user's notification stream live (Server-Sent Events from
// /api/v1/notifications/stream; EventSource reconnects by itself and resumes from the last
// id): a mock interview's progress has HTMX fetch the interviewer's panel again, and an
// invitation or a released report is listed in the page's #live-notices region.
(function () {
  "use strict";
  if (!window.EventSource) return;
  const stream = (window.vivaNotifications = new EventSource("/api/v1/notifications/stream"));
  window.addEventListener("pagehide", () => stream.close());
  function data(event) {
    try { return JSON.parse(event.data) || {}; } catch (err) { return {}; }
  }
  function refresh(selector) {
    document.querySelectorAll(selector).forEach((panel) => {
      if (window.htmx) window.htmx.trigger(panel, "viva:mock-progress");
    });
  }
  // What moved between the page's rendering and the stream's (re)opening is fetched once.
  stream.addEventListener("open", () => refresh("[data-live-interview]"));
  stream.addEventListener("mock.progress", (event) => {
    refresh(`[data-live-interview="${Number(data(event).interview_id)}"]`);
  });
  const box = document.getElementById("live-notices");
  function show(text, href, label) {
    if (!box) return;
    const item = document.createElement("li");
    item.append(text + " ");
    // only Viva's own pages are linked
    if (typeof href === "string" && href.startsWith("/") && !href.startsWith("//")) {
      const link = document.createElement("a");
      link.href = href;
      link.textContent = label;
      item.append(link);
    }
    box.hidden = false;
    box.prepend(item);
  }
  stream.addEventListener("interview.invited", (event) => {
    const d = data(event);
    const what = d.kind === "room" ? "a live interview room" : "a mock interview";
    show(`${d.interviewer} invited you to ${what}: “${d.title}”.`, d.url, "Open it");
  });
  stream.addEventListener("report.released", (event) => {
    const d = data(event);
    show(`Your report for “${d.title}” was released.`, d.url, "Read the report");
  });
})();
