// Barcode scanner at the desk: a scanner types a dossier code and Enter a few
// milliseconds per key, a person does not. Such a burst opens the dossier from whatever
// field has the focus (a form half filled in included), and the scanned characters are
// taken back out of that field, so the form is left as it was.
//
// A busy computer can hold one key of a scan back now and then, so the test is the
// average pace of the code's keys and its Enter (under 30 ms a key), with no gap as long
// as a person's (100 ms) inside the code.
(function () {
  "use strict";
  var form = document.querySelector("form[data-dossier-search]");
  if (!form) { return; }
  var MAX_AVERAGE_MS = 30;  // people type 80 ms a key or slower; scanners under 10
  var MAX_GAP_MS = 100;  // a key held back by a busy computer, not a person's pause
  var MIN_LENGTH = 8;
  var KEPT = 64;  // keys remembered: longer than any dossier code
  var CODE = /^[A-Z0-9.]{1,40}-\d{6}-\d{4,6}$/;  // motcua.core.codes.CODE_PATTERN
  var keys = [];  // {key, at, before}: before = the focused field as it was before the key

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

  // The longest run of the last keys that is a dossier code typed at a scanner's pace:
  // no gap in it of a person's length, and under 30 ms a key on average.
  function scanned(enterAt) {
    var start = keys.length;
    var next = enterAt;
    while (start > 0 && next - keys[start - 1].at < MAX_GAP_MS) {
      start--;
      next = keys[start].at;
    }
    for (var first = start; first <= keys.length - MIN_LENGTH; first++) {
      var typed = keys.slice(first);
      var code = typed.map(function (k) { return k.key; }).join("").toUpperCase();
      var average = (enterAt - typed[0].at) / typed.length;
      if (average < MAX_AVERAGE_MS && CODE.test(code)) {
        return { code: code, before: typed[0].before };
      }
    }
    return null;
  }

  function open(code) {
    var url = new URL(form.action, window.location.href);
    url.searchParams.set("q", code);
    window.location.assign(url.toString());
  }

  window.addEventListener("keydown", function (event) {
    var focused = document.activeElement;
    if (keys.length && keys[keys.length - 1].field !== focused) { keys = []; }
    if (event.key === "Enter") {
      var scan = scanned(event.timeStamp);
      keys = [];
      if (scan) {
        event.preventDefault();
        event.stopPropagation();
        restore(scan.before);
        open(scan.code);
      }
      return;
    }
    if (event.key.length !== 1 || event.ctrlKey || event.altKey || event.metaKey) {
      keys = [];
      return;
    }
    keys.push({ key: event.key, at: event.timeStamp, field: focused, before: snapshot(focused) });
    if (keys.length > KEPT) { keys.shift(); }
  }, true);
}());
