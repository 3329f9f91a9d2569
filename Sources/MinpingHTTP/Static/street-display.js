// The street's large screen (/street/<street>/<round>?display=1), in a 党群服务中心: nobody
// touches it, so it shows one slide at a time, each filling the screen: the table, the chart,
// then each community with its lists unfolded; after the last it reloads for fresh results.
// Without JavaScript a <noscript> refresh reloads it every 5 minutes and everything shows.
(function () {
  "use strict";
  var each = 12000;
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  Array.prototype.forEach.call(document.querySelectorAll("section.community details"), function (d) { d.open = true; });
  if (slides.length < 2) { setTimeout(function () { location.reload(); }, 60000); return; }
  var shown = 0;
  function show(index) {
    slides.forEach(function (s, i) { s.hidden = i !== index; });
    window.scrollTo(0, 0);
  }
  show(0);
  setInterval(function () {
    shown += 1;
    if (shown >= slides.length) { location.reload(); return; }
    show(shown);
  }, each);
})();
