// Receipt check: fetches the c2sp.org/tlog-proof@v1 receipt for a tracker and the ballot's
// public leaf hash, and verifies the RFC 9162 inclusion proof against the checkpoint's root
// with WebCrypto SHA-256, in the browser.
(function () {
  "use strict";
  var form = document.getElementById("receipt-form");
  var out = document.getElementById("result");
  var L = JSON.parse(document.getElementById("labels").textContent);
  var api = "/api/v1/evaluations/" + encodeURIComponent(form.getAttribute("data-evaluation"));

  function say(text, kind, detail) {
    out.textContent = "";
    var p = document.createElement("p");
    p.className = "message " + (kind || "");
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.textContent = text;
    out.appendChild(p);
    if (detail) { var d = document.createElement("p"); d.className = "tracker"; d.textContent = detail; out.appendChild(d); }
  }
  function b64(text) { return Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); }); }
  function hex(bytes) { return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join(""); }
  function fromHex(text) { return new Uint8Array(text.match(/../g).map(function (h) { return parseInt(h, 16); })); }
  function nodeHash(left, right) {
    var buf = new Uint8Array(65); buf[0] = 1; buf.set(left, 1); buf.set(right, 33);
    return crypto.subtle.digest("SHA-256", buf).then(function (d) { return new Uint8Array(d); });
  }
  // RFC 9162 §2.1.3.2
  async function verifyInclusion(index, size, leaf, proof, root) {
    if (index >= size) return false;
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (sn === 0) return false;
      if ((fn & 1) === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if ((fn & 1) === 0) { while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; } }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1; sn >>= 1;
    }
    return sn === 0 && hex(r) === hex(root);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!window.isSecureContext || !window.crypto || !crypto.subtle) { say(L.insecure, "error"); return; }
    var tracker = document.getElementById("tracker").value.trim().toLowerCase();
    var reply = await fetch(api + "/receipts/" + encodeURIComponent(tracker), { credentials: "omit" });
    if (reply.status === 404) { say(L.receipt_not_found, "error"); return; }
    if (reply.status === 202) { say(L.receipt_pending); return; }
    if (reply.status !== 200) { say(L.error, "error"); return; }
    var text = await reply.text();
    var split = text.indexOf("\n\n");
    var lines = text.slice(0, split).split("\n");
    var note = text.slice(split + 2).split("\n");
    var index = parseInt(lines[2].slice(6), 10);
    var proof = lines.slice(3).filter(Boolean).map(b64);
    var size = parseInt(note[1], 10), root = b64(note[2]);
    var view = await (await fetch(api + "/log/entries?start=" + index + "&end=" + (index + 1), { credentials: "omit" })).json();
    var entry = view.entries && view.entries[0];
    if (!entry || entry.tracker !== tracker) { say(L.receipt_bad, "error"); return; }
    var ok = await verifyInclusion(index, size, fromHex(entry.leaf_hash), proof, root);
    say(ok ? L.receipt_ok : L.receipt_bad, ok ? "ok" : "error",
        L.receipt_detail.replace("{index}", index).replace("{size}", size).replace("{root}", hex(root)));
  });
})();
