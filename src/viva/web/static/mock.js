// The mock interview countdown: shows the time left and submits the form when it runs out.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.print();
    });
  });
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
