/* Kiosk behaviour: scanner capture, on-screen keypad, idle reset. No dependencies. */
(function () {
  "use strict";
  var body = document.body;
  var scan = document.getElementById("scan");
  var display = document.getElementById("display");

  // Barcode scanner: it types the code and Enter wherever the focus is, so keep a
  // hidden input focused at all times; Enter submits its form (look up at once).
  function focusScan() {
    if (scan && document.activeElement !== scan) {
      scan.focus({ preventScroll: true });
    }
  }
  if (scan) {
    scan.addEventListener("blur", function () { setTimeout(focusScan, 0); });
    scan.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        if (scan.value.trim()) { scan.form.submit(); }
      }
    });
    scan.addEventListener("input", function () {
      if (display) { display.value = scan.value; }  // show what the scanner typed
    });
    document.addEventListener("click", focusScan);
    focusScan();
  }

  // On-screen keypad: keys write into the visible display, never into the scan input.
  document.querySelectorAll(".keypad .key, .keypad-actions .key").forEach(function (key) {
    key.addEventListener("click", function () {
      if (!display) { return; }
      var action = key.getAttribute("data-action");
      if (action === "backspace") {
        display.value = display.value.slice(0, -1);
      } else if (action === "clear") {
        display.value = "";
      } else if (key.hasAttribute("data-key") && display.value.length < 100) {
        display.value += key.getAttribute("data-key");
      }
      if (scan) { scan.value = ""; }
    });
  });

  // Idle reset: after N seconds without a touch or key, go back to the home screen.
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds"), 10) || 90;
  var homeUrl = body.getAttribute("data-home-url");
  var isHome = body.getAttribute("data-is-home") === "1";
  var lastActivity = Date.now();
  ["pointerdown", "touchstart", "keydown", "wheel"].forEach(function (name) {
    document.addEventListener(name, function () { lastActivity = Date.now(); }, true);
  });
  setInterval(function () {
    if (Date.now() - lastActivity < idleSeconds * 1000) { return; }
    if (isHome && document.documentElement.lang === "vi") {
      lastActivity = Date.now();
      return;
    }
    window.location.replace(homeUrl);
  }, 500);

  // A kiosk has no browser menus: no context menu, no drag-out of links.
  document.addEventListener("contextmenu", function (event) { event.preventDefault(); });
  document.addEventListener("dragstart", function (event) { event.preventDefault(); });
})();
