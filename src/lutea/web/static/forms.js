// Tell the server the browser's UTC offset, so datetime-local values become aware times; after a
// failed submit, focus the first invalid field (the server marks it autofocus; a browser skips
// autofocus when the address has a #fragment, as the form's return anchor does).
(function () {
  var offset = String(new Date().getTimezoneOffset());
  document.querySelectorAll('input[name="tz_offset_min"]').forEach(function (el) { el.value = offset; });
  var first = document.querySelector("[autofocus]");
  if (!first) { return; }
  function focusFirst() {  // not if the reader has moved on already
    var active = document.activeElement;
    if (active === first || (active && active !== document.body && active.id !== "main")) { return; }
    first.focus();
  }
  focusFirst();
  // scrolling to the #fragment moves focus to the page after this script: focus again after it
  window.addEventListener("load", function () { window.setTimeout(focusFirst, 0); });
})();
