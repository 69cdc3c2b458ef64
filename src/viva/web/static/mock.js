// Mock interviews: the countdown (it submits the form when time runs out), copying the invite
// link, and a question before finishing with answers left blank.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.print();
    });
  });
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", async function () {
      const field = document.querySelector(button.dataset.copy);
      if (!field) return;
      const label = button.textContent;
      try {
        await navigator.clipboard.writeText(field.value);
      } catch (err) {  // no clipboard API (plain http on another host): select it for Ctrl+C
        field.select();
        document.execCommand("copy");
      }
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
  // Finishing with questions left blank asks first (the clock running out does not ask).
  const finish = document.getElementById("finish");
  if (finish) {
    finish.addEventListener("click", function (event) {
      const answer = document.getElementById("answer");
      const blank = Number(finish.dataset.unansweredOthers || 0) + (answer && !answer.value.trim() ? 1 : 0);
      if (blank === 0) return;
      const what = blank === 1 ? "1 question is" : blank + " questions are";
      if (!window.confirm(what + " still unanswered. Finish and submit anyway?")) event.preventDefault();
    });
  }
  // The scoring form: a running total of the rubric as the interviewer rates.
  const scoring = document.getElementById("score-form");
  const total = document.getElementById("running-total");
  if (scoring && total) {
    const ratings = Array.from(scoring.querySelectorAll("select[name^='rubric-']"));
    const sum = function () {
      const points = ratings.reduce(function (n, s) { return n + Number(s.value || 0); }, 0);
      const most = ratings.length * 4;
      const pct = most ? Math.round((points / most) * 100) : 0;
      total.textContent = "Rubric total: " + points + " of " + most + " points (" + pct + "%)";
    };
    ratings.forEach(function (s) {
      s.addEventListener("change", sum);
      s.addEventListener("input", sum);
      // 1-4 rate at once (a select's own type-ahead would read "4" then "1" as "41")
      s.addEventListener("keydown", function (event) {
        if (event.altKey || event.ctrlKey || event.metaKey || !/^[1-4]$/.test(event.key)) return;
        event.preventDefault();
        s.value = event.key;
        s.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
    sum();
  }
  const clock = document.getElementById("countdown");
  if (!clock) return;
  const end = Date.now() + Number(clock.dataset.remaining || 0) * 1000;
  let sent = false;
  function tick() {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    clock.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    clock.classList.toggle("low", left <= 60);
    if (left === 0 && !sent) {
      sent = true;
      const form = document.getElementById("mock-form");
      if (form) {
        const action = document.createElement("input");
        action.type = "hidden";
        action.name = "action";
        action.value = "timeup";
        form.appendChild(action);
        form.submit();
      } else {
        window.location.reload();
      }
      return;
    }
    window.setTimeout(tick, 250);
  }
  tick();
})();
