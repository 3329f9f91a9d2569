// Receipt check: fetches the c2sp.org/tlog-proof@v1 receipt for a tracker and the ballot's
// public leaf hash, and verifies the RFC 9162 inclusion proof against the checkpoint's root
// with WebCrypto SHA-256, in the browser.
(function () {
  "use strict";
  var form = document.getElementById("receipt-form");
  var out = document.getElementById("result");
  var L = JSON.parse(document.getElementById("labels").textContent);
  var api = "/api/v1/evaluations/" + encodeURIComponent(form.getAttribute("data-evaluation"));

  function say(text, kind, detail, full) {
    out.textContent = "";
    var p = document.createElement("p");
    p.className = "message " + (kind || "");
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.textContent = text;
    out.appendChild(p);
    if (detail) { var d = document.createElement("p"); d.className = "tracker"; d.textContent = detail; out.appendChild(d); }
    if (full) {
      // The 核验码 is the root hash's first 8 digits; the whole value is one click away.
      var box = document.createElement("details"), summary = document.createElement("summary"), code = document.createElement("code");
      box.className = "verification-code";
      summary.textContent = L.full_code;
      code.className = "full-hash";
      code.textContent = full;
      box.appendChild(summary);
      box.appendChild(code);
      out.appendChild(box);
    }
  }
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!window.isSecureContext || !window.crypto || !crypto.subtle) { say(L.insecure, "error"); return; }
    var typed = document.getElementById("tracker").value.trim();
    var tracker = typed.toLowerCase();
    var recorded = null;
    // A 表号 from a paper form's stub (8 base32 characters): how that form was recorded, then
    // its ballot's receipt as for a tracker (SPEC §4, §7 GET /forms/{表号}).
    if (/^[A-Za-z2-7]{8}$/.test(typed)) {
      var formReply = await fetch(api + "/forms/" + encodeURIComponent(typed.toUpperCase()), { credentials: "omit" });
      if (formReply.status === 404) { say(L.form_not_found, "error"); return; }
      if (formReply.status !== 200) { say(L.error, "error"); return; }
      var form = await formReply.json();
      var evaluation = await (await fetch(api, { credentials: "omit" })).json();
      var labels = {};
      (evaluation.options || []).forEach(function (o) { labels[o.id] = o.label; });
      recorded = (evaluation.subjects || []).map(function (s) {
        var option = form.ratings[s.id];
        return s.name + "：" + (option ? labels[option] || option : L.unrated);
      });
      tracker = form.tracker;
    }
    var reply = await fetch(api + "/receipts/" + encodeURIComponent(tracker), { credentials: "omit" });
    if (reply.status === 404) { say(L.receipt_not_found, "error"); return; }
    if (reply.status === 202) { say(L.receipt_pending); return; }
    if (reply.status !== 200) { say(L.error, "error"); return; }
    var receipt = Tlog.parseReceipt(await reply.text());
    if (!receipt) { say(L.receipt_bad, "error"); return; }
    var index = receipt.index, size = receipt.size, root = receipt.root, proof = receipt.proof;
    var view = await (await fetch(api + "/log/entries?start=" + index + "&end=" + (index + 1), { credentials: "omit" })).json();
    var entry = view.entries && view.entries[0];
    if (!entry || entry.tracker !== tracker) { say(L.receipt_bad, "error"); return; }
    var ok = await Tlog.verifyInclusion(index, size, Tlog.fromHex(entry.leaf_hash), proof, root);
    var detail = L.receipt_detail.replace("{index}", index).replace("{size}", size).replace("{root}", Tlog.hex(root).slice(0, 8));
    if (ok) {
      var info = await (await fetch(api, { credentials: "omit" })).json();
      detail += "\n" + (await Tlog.signatureSentence(receipt.note, info.log_verifier_key, L)).text;
      var witnessed = await Tlog.witnessSentence(receipt.note, info.witnesses, L);   // null when no witness is named
      if (witnessed) detail += "\n" + witnessed.text;
    }
    say(ok ? L.receipt_ok : L.receipt_bad, ok ? "ok" : "error", detail, Tlog.hex(root));
    if (recorded) {
      var heading = document.createElement("h2"), list = document.createElement("ul");
      heading.textContent = L.form_recorded;
      list.className = "form-ratings";
      recorded.forEach(function (line) { var li = document.createElement("li"); li.textContent = line; list.appendChild(li); });
      out.appendChild(heading);
      out.appendChild(list);
    }
  });
})();
