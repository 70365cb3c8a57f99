// A filter box over a long <select> (the transfer form's agencies and units): typing
// hides the options that do not contain every typed word, ignoring case and Vietnamese
// diacritics, and selects the first one left. The box is hidden in the page, so without
// JavaScript the select works as it is.
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d").toLowerCase();
  }

  function filter(box, select) {
    var words = fold(box.value).split(/\s+/).filter(Boolean);
    var first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { return; }
      var text = fold(option.textContent);
      var shown = words.every(function (word) { return text.indexOf(word) !== -1; });
      option.hidden = !shown;
      if (shown && first === null) { first = option; }
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = !Array.prototype.some.call(group.children, function (option) {
        return !option.hidden;
      });
    });
    var current = select.options[select.selectedIndex];
    if (!current || !current.value || current.hidden) {
      select.value = first ? first.value : "";
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter-select]"),
    function (box) {
      var select = document.getElementById(box.getAttribute("data-filter-select"));
      if (!select) { return; }
      box.hidden = false;
      box.addEventListener("input", function () { filter(box, select); });
    });
}());
