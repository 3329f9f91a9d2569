// The voter's page: reads the token (#t=, a token slip) or the enrollment code (#c=, a code
// slip, or typed by hand) from the URL fragment (it never reaches the server's logs). With a
// code it makes the token itself by blind issuance (tokens.js): the server signs without
// seeing it. Then it shows every subject grouped by organization, reviews, submits once,
// shows the tracker. Nothing about the ballot is kept in the browser: no cookies, and the
// token and choices are dropped from memory and from the address bar once submitted. A code
// slip's request (code, TokenRequest, blinding inverse, nonce) stays in this tab's
// sessionStorage only until the ballot is accepted, so a lost answer or a reload asks again
// for the same token instead of losing the vote.
(function () {
  "use strict";
  var app = document.getElementById("app");
  var L = JSON.parse(document.getElementById("labels").textContent);
  var evaluation = app.getAttribute("data-evaluation");
  var api = "/api/v1/evaluations/" + encodeURIComponent(evaluation);
  var fragment = new URLSearchParams(location.hash.slice(1));
  var token = fragment.get("t");
  var code = fragment.get("c");
  // Drop the token or code from the address bar and history at once.
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  // Another slip's link opened in this same tab changes only the fragment: start over with it,
  // never showing the previous voter's page.
  window.addEventListener("hashchange", function () { if (location.hash) location.reload(); });
  var pendingKey = "minping-pending:" + evaluation;
  var info = null;
  // Keyed by subject and option ids, which may be "__proto__" or "constructor": every such
  // table has no prototype, so an id is only ever an own key.
  function table() { return Object.create(null); }
  var ratings = table();

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function show(nodes) {
    app.textContent = "";
    nodes.forEach(function (n) { app.appendChild(n); });
    var first = app.querySelector("h2, .message");
    if (first) { first.setAttribute("tabindex", "-1"); first.focus(); }
  }
  function message(text, kind) { return el("p", { class: "message" + (kind ? " " + kind : ""), role: kind === "error" ? "alert" : "status", text: text }); }

  function groups() {
    var byOrg = table(), order = [], orgs = [], cadres = [];
    info.subjects.forEach(function (s) {
      if (s.kind === "organization") { orgs.push(s); return; }
      if (s.kind === "cadre") { cadres.push(s); return; }
      var key = s.organization || "";
      if (!byOrg[key]) { byOrg[key] = { name: s.organization_name || L.group_other, subjects: [] }; order.push(key); }
      byOrg[key].subjects.push(s);
    });
    var list = order.map(function (k) { return byOrg[k]; });
    if (orgs.length) list.push({ name: L.group_orgs, subjects: orgs });
    if (cadres.length) list.push({ name: L.group_cadres, subjects: cadres });
    return list;
  }
  /** A subject as the voter reads it: a cadre with the 职务 after the name. */
  function nameOf(s) {
    return s.title ? s.name + L.title_open + s.title + L.title_close : s.name;
  }

  function ballotForm() {
    var nodes = [];
    // A supplementary round says so: the voter rates only its subjects.
    var roundNote = info.round > 1 ? message(L.round_note.replace("{round}", info.round)) : null;
    var bulk = el("div", { class: "bulk", role: "group", "aria-label": L.rate_all }, [el("span", { text: L.rate_all + "：" })]);
    info.options.forEach(function (o) {
      var b = el("button", { type: "button", text: o.label });
      b.addEventListener("click", function () {
        info.subjects.forEach(function (s) { if (!ratings[s.id]) ratings[s.id] = o.id; });
        syncInputs(); updateProgress();
      });
      bulk.appendChild(b);
    });
    groups().forEach(function (g, gi) {
      var section = el("section", { class: "group", "aria-labelledby": "g" + gi }, [el("h2", { id: "g" + gi, text: g.name })]);
      g.subjects.forEach(function (s) {
        var fs = el("fieldset", { class: "subject" }, [el("legend", { text: nameOf(s) })]);
        var opts = el("div", { class: "options" });
        info.options.forEach(function (o, oi) {
          var id = "r-" + s.id + "-" + oi;
          var input = el("input", { type: "radio", name: "s-" + s.id, id: id, value: o.id });
          input.addEventListener("change", function () { ratings[s.id] = o.id; updateProgress(); });
          opts.appendChild(el("label", { for: id }, [input, el("span", { text: o.label })]));
        });
        fs.appendChild(opts);
        section.appendChild(fs);
      });
      nodes.push(section);
    });
    var progress = el("p", { id: "progress", "aria-live": "polite" });
    var review = el("button", { type: "button", class: "primary", text: L.review });
    review.addEventListener("click", reviewPage);
    show((roundNote ? [roundNote] : []).concat([bulk], nodes, [bulk.cloneNode(false), el("div", { class: "progress" }, [progress, review])]));
    // The clone above is only a spacer; keep the real bulk bar first.
    app.querySelectorAll(".bulk")[1].remove();
    syncInputs(); updateProgress();
  }
  function syncInputs() {
    Object.keys(ratings).forEach(function (sid) {
      var input = app.querySelector('input[name="s-' + CSS.escape(sid) + '"][value="' + CSS.escape(ratings[sid]) + '"]');
      if (input) input.checked = true;
    });
  }
  function updateProgress() {
    var p = document.getElementById("progress");
    if (p) p.textContent = L.rated + " " + Object.keys(ratings).length + " / " + info.subjects.length;
  }

  function reviewPage() {
    var labels = table();
    info.options.forEach(function (o) { labels[o.id] = o.label; });
    var list = el("ul", { class: "review" });
    info.subjects.forEach(function (s) {
      var rated = ratings[s.id];
      list.appendChild(el("li", { class: rated ? "" : "unrated", text: nameOf(s) + "：" + (rated ? labels[rated] : L.unrated) }));
    });
    var back = el("button", { type: "button", text: L.back });
    back.addEventListener("click", ballotForm);
    var submit = el("button", { type: "button", class: "primary", text: L.submit });
    submit.addEventListener("click", function () { send(submit); });
    show([el("h2", { text: L.review_title }), list, el("div", { class: "stack" }, [submit, back])]);
  }

  function send(button, attempt) {
    if (button.disabled && !attempt) return;
    button.disabled = true;
    button.textContent = L.submitting;
    fetch(api + "/ballots", {
      method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit", cache: "no-store",
      body: JSON.stringify({ token: token, ratings: ratings })
    }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body, retryAfter: r.headers.get("Retry-After") }; });
    }).then(function (reply) {
      // 503: nothing was stored (a full disk, the database away); the token and the choices
      // are kept and the same ballot is sent again after Retry-After, for a few minutes.
      if (reply.status === 503 && (attempt || 0) < 36) {
        var seconds = Math.min(60, Math.max(1, parseInt(reply.retryAfter, 10) || 5));
        var notice = document.getElementById("retrying") || message("", "");
        notice.id = "retrying";
        notice.textContent = L.retrying.replace("{seconds}", seconds);
        if (!notice.parentNode) app.insertBefore(notice, app.firstChild);
        setTimeout(function () { send(button, (attempt || 0) + 1); }, seconds * 1000);
        return;
      }
      var retrying = document.getElementById("retrying");
      if (retrying) retrying.remove();
      if (reply.status === 202) {
        var sent = { token: token, ratings: ratings };
        token = null; ratings = table();
        pending(null);
        var status = el("p", { class: "message", id: "verification", role: "status", text: L.verifying });
        show([el("h2", { text: L.done_title }), el("p", { text: L.tracker_intro }),
              el("p", { class: "tracker", id: "tracker", text: reply.body.tracker }), status,
              el("p", {}, [el("a", { href: "/receipt/" + encodeURIComponent(evaluation) + location.search, text: L.receipt_link })])]);
        verifyCast(reply.body.tracker, sent, status);
      } else {
        var text = L[reply.body.code] || L.error;
        if (reply.body.code === "ballot_invalid" || reply.status === 503) {
          button.disabled = false; button.textContent = L.submit;  // nothing was spent: the voter may send it again
          if (reply.status === 503) { app.insertBefore(message(L.network, "error"), app.firstChild); return; }
        } else { token = null; pending(null); }
        show([message(text, "error")]);
      }
    }).catch(function () {
      button.disabled = false;
      button.textContent = L.submit;
      app.insertBefore(message(L.network, "error"), app.firstChild);
    });
  }

  // Cast-as-sent check: once the ballot is in the log, rebuild the exact entry from what this
  // device sent and verify its inclusion proof. Then forget the token and the choices.
  async function verifyCast(tracker, sent, status) {
    if (!window.isSecureContext || !window.crypto || !crypto.subtle) { status.textContent = L.insecure; sent = null; return; }
    // The tracker is this device's own hash of what it sent; a server that answered with
    // another one is caught at once.
    if (await Tlog.tracker(sent.token, sent.ratings) !== tracker) {
      sent = null;
      status.className = "message error";
      status.textContent = L.tracker_mismatch;
      return;
    }
    for (var attempt = 0; attempt < 15; attempt++) {
      await new Promise(function (done) { setTimeout(done, attempt === 0 ? 1200 : 2000); });
      var reply;
      try { reply = await fetch(api + "/receipts/" + encodeURIComponent(tracker), { credentials: "omit", cache: "no-store" }); }
      catch (e) { continue; }
      if (reply.status !== 200) continue;
      var receipt = Tlog.parseReceipt(await reply.text());
      var ok = false;
      if (receipt) {
        var leaf = await Tlog.leafHash(Tlog.ballotEntry(receipt, sent.token, sent.ratings));
        ok = await Tlog.verifyInclusion(receipt.index, receipt.size, leaf, receipt.proof, receipt.root);
      }
      sent = null;
      status.className = "message " + (ok ? "ok" : "error");
      status.textContent = ok ? L.verified.replace("{index}", receipt.index).replace("{size}", receipt.size) : L.verify_failed;
      if (ok) {
        var said = await Tlog.signatureSentence(receipt.note, info.log_verifier_key, L);
        var signature = el("p", { class: "message " + said.kind, id: "signature", role: "status", text: said.text });
        status.parentNode.insertBefore(signature, status.nextSibling);
        // The witnesses' cosignatures of the same checkpoint, when the street names witnesses.
        var witnessed = await Tlog.witnessSentence(receipt.note, info.witnesses, L);
        if (witnessed) {
          signature.parentNode.insertBefore(el("p", { class: "message " + witnessed.kind, id: "witness", role: "status", text: witnessed.text }),
            signature.nextSibling);
        }
      }
      return;
    }
    sent = null;
    status.textContent = L.verify_later;
  }

  // --- code slips: blind issuance in this page ---

  // The code as issued (four groups of four, e.g. 7K3M-Q9TW-2HPX-R4VZ), whatever the case and dashes typed; null if it
  // cannot be one.
  function canonicalCode(text) {
    var c = String(text || "").toUpperCase().replace(/[^0-9A-Z]/g, "");
    if (!/^[2-9A-HJKMNP-Z]{16}$/.test(c)) return null;
    return c.slice(0, 4) + "-" + c.slice(4, 8) + "-" + c.slice(8, 12) + "-" + c.slice(12);
  }
  // What a code needs to be asked again (null wipes it).
  function pending(value) {
    try {
      if (value === undefined) return JSON.parse(sessionStorage.getItem(pendingKey) || "null");
      if (value === null) sessionStorage.removeItem(pendingKey);
      else sessionStorage.setItem(pendingKey, JSON.stringify(value));
    } catch (e) { return null; }
  }

  function codeForm(error) {
    var input = el("input", { id: "code", type: "text", autocomplete: "off", autocapitalize: "characters", spellcheck: "false",
                              maxlength: "40", "aria-describedby": "code-hint" });
    var form = el("form", { class: "code-form" }, [
      el("label", { for: "code", text: L.code_label }), input,
      el("p", { id: "code-hint", class: "hint", text: L.code_hint }),
      el("button", { type: "submit", class: "primary", text: L.code_start })]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var typed = canonicalCode(input.value);
      if (typed) redeem(typed); else codeForm(L.code_format);
    });
    show([el("h2", { text: L.code_title })].concat(error ? [message(error, "error")] : [], [form]));
    if (error) input.focus();
  }

  // Sends {code, token_request} until an answer arrives (the same request gets the same
  // answer, so asking again is safe).
  async function askForToken(request) {
    for (var attempt = 0; ; attempt++) {
      try {
        var r = await fetch(api + "/tokens", {
          method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit", cache: "no-store",
          body: JSON.stringify({ code: request.code, token_request: request.request })
        });
        return { status: r.status, body: await r.json() };
      } catch (e) {
        if (attempt >= 5) throw e;
        await new Promise(function (done) { setTimeout(done, 500 * (attempt + 1)); });
      }
    }
  }

  async function redeem(code) {
    if (!window.isSecureContext || !window.crypto || !crypto.subtle || typeof BigInt === "undefined") {
      show([message(L.insecure_code, "error")]);
      return;
    }
    show([message(L.getting_token)]);
    var key;
    try {
      key = await Tokens.publicKey(Tokens.fromB64(info.token_key_spki));
      if (Tokens.hex(key.keyID) !== info.token_key_id) throw Tokens.TokenError("the published key id does not match the key");
    } catch (e) { show([message(L.token_refused, "error")]); return; }
    var request = pending();
    if (!request || request.code !== code) {
      request = await Tokens.request(key, info.street, evaluation);
      request.code = code;
      pending(request);
    }
    var reply;
    try { reply = await askForToken(request); }
    catch (e) {
      var again = el("button", { type: "button", class: "primary", text: L.code_start });
      again.addEventListener("click", function () { redeem(code); });
      show([message(L.network, "error"), again]);
      return;
    }
    if (reply.status !== 201) {
      if (reply.body.code === "code_invalid") pending(null);
      show([message(reply.body.code === "code_invalid" ? L.code_invalid : (L[reply.body.code] || L.error), "error")]);
      return;
    }
    try { token = await Tokens.finish(key, request, reply.body.token_response); }
    catch (e) { pending(null); show([message(L.token_refused, "error")]); return; }
    ballotForm();
  }

  // A token slip already used is said before the representative rates anyone. Only the slip's
  // holder can ask (the server answers only for a valid token); if the answer does not come,
  // the ballot is shown and the server decides at 确认提交 as before.
  function checkToken() {
    fetch(api + "/token-status", { method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token }) }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (reply) {
      if (reply.status === 200 && reply.body.spent) { token = null; show([message(L.token_spent, "error")]); return; }
      if (reply.status === 403) { token = null; show([message(L.token_invalid, "error")]); return; }
      ballotForm();
    }, function () { ballotForm(); });
  }

  var resumed = !token && !code ? pending() : null;
  if (code !== null && !canonicalCode(code)) { code = null; show([message(L.code_format, "error")]); return; }
  // A token is 354 bytes of base64url starting 0x0002 (SPEC §4): a mistyped or torn slip is
  // refused before the voter rates anyone. (Its signature is the server's to check.)
  if (token !== null && !/^AA[IJKL][A-Za-z0-9_-]{469}$/.test(token)) { token = null; show([message(L.token_invalid, "error")]); return; }
  show([message(L.loading)]);
  fetch(api, { credentials: "omit" }).then(function (r) { return r.json(); }).then(function (body) {
    info = body;
    // A supplementary round (SPEC §6) rates only its subjects.
    if (Array.isArray(info.round_subjects)) {
      var round = info.round_subjects;
      info.subjects = info.subjects.filter(function (s) { return round.indexOf(s.id) >= 0; });
    }
    if (info.state !== "open") { token = null; show([message(info.state === "draft" ? L.not_open_draft : L.not_open, "error")]); return; }
    if (token) checkToken();
    else if (code) redeem(canonicalCode(code));
    else if (resumed && resumed.code) redeem(resumed.code);  // a reload between the code and the ballot
    else codeForm();
  }).catch(function () { show([message(L.network, "error")]); });
})();
