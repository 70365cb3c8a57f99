// Behaviour of the officers' pages. It lives here, not in the HTML, because the
// Content-Security-Policy forbids inline script and on* attributes (docs/security.md).
(function () {
  "use strict";

  // Buttons marked data-print print the page; links marked data-back go back.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print], [data-back]");
    if (!target) { return; }
    event.preventDefault();
    if (target.hasAttribute("data-print")) { window.print(); } else { history.back(); }
  });

  // Back-entry: show the appointment counted from the original receipt time as it is typed.
  function backEntryDue() {
    var note = document.querySelector("[data-back-entry-due]");
    var day = document.querySelector("input[name=received_date]");
    var clock = document.querySelector("input[name=received_time]");
    if (!note || !day || !clock) { return; }
    function update() {
      if (!day.value || !clock.value) { return; }
      var query = "?received_date=" + encodeURIComponent(day.value)
        + "&received_time=" + encodeURIComponent(clock.value);
      fetch(note.dataset.url + query,
            {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (body) { note.textContent = body.message || body.error; });
    }
    day.addEventListener("change", update);
    clock.addEventListener("change", update);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", backEntryDue);
  } else {
    backEntryDue();
  }
})();
