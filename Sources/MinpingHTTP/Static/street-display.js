// The street's large screen (/street/<street>/<round>?display=1), in a 党群服务中心: nobody
// touches it. The table and chart stay; below them the communities are shown one after another,
// their lists unfolded, each for a while; after the last the page reloads for fresh results.
// Without JavaScript a <noscript> refresh reloads it every 5 minutes and every block shows.
(function () {
  "use strict";
  var each = 12000;
  var blocks = Array.prototype.slice.call(document.querySelectorAll("section.community"));
  blocks.forEach(function (b) { Array.prototype.forEach.call(b.querySelectorAll("details"), function (d) { d.open = true; }); });
  if (blocks.length < 2) { setTimeout(function () { location.reload(); }, 60000); return; }
  var shown = 0;
  function show(index) {
    blocks.forEach(function (b, i) { b.hidden = i !== index; });
  }
  show(0);
  setInterval(function () {
    shown += 1;
    if (shown >= blocks.length) { location.reload(); return; }
    show(shown);
  }, each);
})();
