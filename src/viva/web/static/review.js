// Review cards, as in Anki: how many are left, and the keys: Space reveals the answer (or rates Good once it shows), 1-4 rate
// Again, Hard, Good, Easy. Keys typed into a text field are left alone.
(function () {
  "use strict";
  const card = document.querySelector(".review-card");
  if (!card) return;
  const ratings = ["again", "hard", "good", "easy"];
  // "N left": the cards due now and the new ones still allowed today, this one included
  const left = document.getElementById("left");
  if (left && card.dataset.track) {
    fetch(`/api/v1/me/review/queue?limit=1&track=${encodeURIComponent(card.dataset.track)}`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((queue) => { if (queue) left.textContent = `${queue.total} left`; })
      .catch(() => {});
  }
  function typing(target) {
    return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function press(button) {
    if (!button || button.disabled) return false;
    button.click();
    return true;
  }
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    const index = ["1", "2", "3", "4"].indexOf(event.key);
    let done = false;
    if (index >= 0) {
      done = press(card.querySelector(`.rate button.rating-${ratings[index]}`));
    } else if (event.key === " ") {
      done = press(document.getElementById("reveal-only")) || press(card.querySelector(".rate button.rating-good"));
    }
    if (done) event.preventDefault();
  });
})();
