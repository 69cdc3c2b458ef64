// The question page: record answer reveals and self-ratings for a signed-in user.
(function () {
  "use strict";
  const box = document.getElementById("reveal");
  if (!box) return;
  const id = box.dataset.question;
  const csrf = decodeURIComponent((document.cookie.match(/(?:^|; )viva_csrf=([^;]*)/) || [])[1] || "");
  function post(path, body) {
    return fetch(`/api/v1/questions/${id}/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body ? JSON.stringify(body) : undefined,
    });
  }
  let revealed = false;
  box.addEventListener("toggle", () => {
    if (box.open && !revealed) {
      revealed = true;
      post("reveal").catch(() => {});
    }
  });
  const note = document.getElementById("rated");
  box.querySelectorAll("button[data-rating]").forEach((b) =>
    b.addEventListener("click", async () => {
      const response = await post("rating", { rating: b.dataset.rating });
      note.textContent = response.status === 401 ? "Sign in to keep your ratings." : response.ok ? `Saved: ${b.dataset.rating}.` : "Could not save.";
    })
  );
})();
