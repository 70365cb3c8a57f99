// Barcode scanner at the desk: a scanner types a dossier code and Enter a few
// milliseconds per key, a person does not. Such a burst opens the dossier from whatever
// field has the focus (a form half filled in included), and the scanned characters are
// taken back out of that field, so the form is left as it was.
(function () {
  "use strict";
  var form = document.querySelector("form[data-dossier-search]");
  if (!form) { return; }
  var MAX_GAP_MS = 30;  // people type 80 ms or more apart; scanners under 10
  var MIN_LENGTH = 8;
  var CODE = /^[A-Z0-9.]{1,40}-\d{6}-\d{4,6}$/;  // motcua.core.codes.CODE_PATTERN
  var burst = "";
  var last = -Infinity;
  var saved = null;  // the focused field as it was before the burst's first key

  function snapshot(element) {
    if (!element || !("value" in element)) { return null; }
    var state = { element: element, value: element.value, index: element.selectedIndex };
    try {
      state.start = element.selectionStart;
      state.end = element.selectionEnd;
    } catch (ignored) { /* fields without a text selection */ }
    return state;
  }

  function restore(state) {
    if (!state) { return; }
    var element = state.element;
    element.value = state.value;
    if (typeof state.index === "number") { element.selectedIndex = state.index; }
    if (typeof state.start === "number") {
      try { element.setSelectionRange(state.start, state.end); } catch (ignored) { /* none */ }
    }
  }

  function open(code) {
    var url = new URL(form.action, window.location.href);
    url.searchParams.set("q", code);
    window.location.assign(url.toString());
  }

  window.addEventListener("keydown", function (event) {
    var fast = event.timeStamp - last < MAX_GAP_MS;
    last = event.timeStamp;
    if (event.key === "Enter") {
      var code = burst.toUpperCase();
      var scanned = fast && burst.length >= MIN_LENGTH && CODE.test(code);
      var state = saved;
      burst = "";
      saved = null;
      if (scanned) {
        event.preventDefault();
        event.stopPropagation();
        restore(state);
        open(code);
      }
      return;
    }
    if (event.key.length !== 1 || event.ctrlKey || event.altKey || event.metaKey) {
      burst = "";
      saved = null;
      return;
    }
    if (!fast) {
      burst = "";
      saved = snapshot(document.activeElement);
    }
    burst += event.key;
  }, true);
}());
