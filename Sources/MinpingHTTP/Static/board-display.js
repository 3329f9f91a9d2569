// The community's large screen (/board/<id>?display=1): nobody touches it, so it scrolls slowly
// through the tables, rests at the end, and reloads for fresh results; a board that fits on the
// screen reloads every 30 s. Without JavaScript a <noscript> refresh does the reloading.
(function () {
  "use strict";
  var pixelsPerSecond = 40, rest = 6000, fitsReload = 30000;
  function reload() { location.reload(); }
  function scrollable() { return document.documentElement.scrollHeight - window.innerHeight; }
  if (scrollable() <= 0) { setTimeout(reload, fitsReload); return; }
  setTimeout(function () {
    var started = null;
    function frame(now) {
      if (started === null) started = now;
      var y = (now - started) / 1000 * pixelsPerSecond;
      window.scrollTo(0, y);
      if (y >= scrollable()) { setTimeout(reload, rest); return; }
      requestAnimationFrame(frame);
    }
    requestAnimationFrame(frame);
  }, rest);
})();
