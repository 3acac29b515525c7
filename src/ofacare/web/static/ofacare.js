// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Warm-up timer: a pen out of the fridge is ready after the minutes the page states.
  function startTimer(box) {
    var minMinutes = Number(box.dataset.minMinutes), maxMinutes = Number(box.dataset.maxMinutes);
    var output = box.querySelector("[data-timer-output]");
    var started = Date.now();
    var input = document.getElementById(box.dataset.targetInput || "");
    if (input && !input.value) {
      var now = new Date(started - new Date().getTimezoneOffset() * 60000);
      input.value = now.toISOString().slice(0, 16);
    }
    function tick() {
      var minutes = (Date.now() - started) / 60000;
      var left = Math.max(0, Math.ceil(minMinutes - minutes));
      output.textContent = left > 0
        ? box.dataset.waitText.replace("{n}", String(left))
        : box.dataset.readyText.replace("{n}", String(maxMinutes));
      if (left > 0) { window.setTimeout(tick, 15000); }
    }
    tick();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-start-timer]");
    if (!button) { return; }
    var box = document.getElementById(button.dataset.startTimer);
    if (box) { startTimer(box); button.disabled = true; }
  });

  // Body map: clicking an area of the picture picks the matching radio button.
  document.addEventListener("click", function (event) {
    var area = event.target.closest("[data-site]");
    if (!area) { return; }
    var radio = document.querySelector('input[name="site"][value="' + area.dataset.site + '"]');
    if (radio && !radio.disabled) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); }
  });
})();

// Log an injection (patient_injection area): the upper arms only when someone else injects, and
// the body map outlines the area chosen. Without this the page states the rule and the server
// refuses an arm chosen for a self-injection.
(function () {
  "use strict";
  document.querySelectorAll("[data-js-only][hidden]").forEach(function (el) { el.hidden = false; });

  function syncMap() {
    var chosen = document.querySelector('input[name="site"]:checked');
    document.querySelectorAll(".site-area").forEach(function (area) {
      area.classList.toggle("chosen", Boolean(chosen) && area.dataset.site === chosen.value);
    });
  }

  function syncInjector() {
    var who = document.querySelector('input[name="injected_by"]:checked');
    if (!who) { return; }
    var self = who.value === "self";
    document.querySelectorAll('input[name="site"][data-arm]').forEach(function (radio) {
      radio.disabled = self;
      if (self) { radio.checked = false; }
      var choice = radio.closest(".arm-choice");
      if (choice) { choice.classList.toggle("unavailable", self); }
    });
    document.querySelectorAll(".site-area.others-only").forEach(function (area) {
      area.classList.toggle("unavailable", self);
    });
    syncMap();
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "injected_by") { syncInjector(); }
    if (event.target.name === "site") { syncMap(); }
  });
  syncInjector();
})();
