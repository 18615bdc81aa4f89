// Tell the server the browser's UTC offset, so datetime-local values become aware times.
(function () {
  var offset = String(new Date().getTimezoneOffset());
  document.querySelectorAll('input[name="tz_offset_min"]').forEach(function (el) { el.value = offset; });
})();
