// Review cards, Anki's keys: Space reveals the answer (or rates Good once it shows), 1-4 rate
// Again, Hard, Good, Easy. Keys typed into a text field are left alone.
(function () {
  "use strict";
  const card = document.querySelector(".review-card");
  if (!card) return;
  const ratings = ["again", "hard", "good", "easy"];
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
