// The /verify page: takes a bundle (a file dropped or chosen, or fetched from the server by a
// signed-in reviewer), hands it to a Web Worker made of tlog.js and verify-bundle.js (the
// page's own inline scripts, so a saved copy of the page works offline), shows its progress,
// then the verdict and the published results beside the recount, row by row.
(function () {
  "use strict";
  var L = JSON.parse(document.getElementById("labels").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var form = $("verify-form"), fileInput = $("bundle-file"), drop = $("drop"), chosen = $("chosen");
  var progressBox = $("progress-box"), bar = $("progress"), barText = $("progress-text");
  var verdict = $("verdict"), tables = $("tables");
  var evaluation = form.getAttribute("data-evaluation") || "";
  var bundle = null, bundleName = "", worker = null;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? String(values[k]) : m; });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }
  function say(kind, heading, lines) {
    verdict.className = "message " + kind;
    verdict.replaceChildren(el("p", { class: "verdict-heading" }, [heading]));
    (lines || []).forEach(function (line) { verdict.append(line instanceof Node ? line : el("p", {}, [line])); });
    verdict.hidden = false;
    verdict.focus();
  }

  if (!window.crypto || !crypto.subtle) {
    say("error", L.insecure);
    form.querySelectorAll("button, input").forEach(function (b) { b.disabled = true; });
    return;
  }

  function choose(file) {
    if (!file) return;
    bundleName = file.name;
    chosen.textContent = fill(L.chosen, { name: file.name, size: (file.size / 1048576).toFixed(1) });
    bundle = file;
    verdict.hidden = true;
    tables.replaceChildren();
  }
  fileInput.addEventListener("change", function () { choose(fileInput.files[0]); });
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.remove("dragging"); });
  });
  drop.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) choose(e.dataTransfer.files[0]);
  });

  // Checkpoints seen earlier: whole signed notes pasted one after another, or 核验码 (the first
  // 8 hex digits of a root, as the 公示栏 prints it) and full root hashes, a line each.
  function earlierSeen(text) {
    var lines = text.replace(/\r\n?/g, "\n").split("\n"), notes = [], codes = [], note = null, signing = false;
    function end() { if (note) notes.push(note.join("\n") + "\n"); note = null; signing = false; }
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (note) {
        if (!signing && line === "") { note.push(line); signing = true; continue; }
        if (!signing || line.indexOf("\u2014 ") === 0) { note.push(line); continue; }
        end();
      }
      var code = line.trim();
      if (/^([0-9a-fA-F]{8}|[0-9a-fA-F]{64})$/.test(code)) codes.push(code.toLowerCase());
      else if (code) note = [line];
    }
    end();
    return { notes: notes, codes: codes };
  }

  function options() {
    var seen = earlierSeen($("earlier").value);
    var witnessKeys = $("witness-keys").value.split(/\s+/).filter(Boolean);
    var quorumText = $("witness-quorum").value.trim(), quorum;
    if (quorumText) {
      quorum = Number(quorumText);
      var distinct = new Set(witnessKeys).size;
      if (!witnessKeys.length) throw L.quorum_needs_keys;
      if (!Number.isInteger(quorum) || quorum < 1 || quorum > distinct) throw fill(L.quorum_range, { count: distinct });
    }
    return {
      logKey: $("log-key").value.trim() || null,
      earlier: seen.notes.map(function (note, i) { return { label: fill(L.earlier_label, { n: i + 1 }), note: note }; }),
      codes: seen.codes, witnessKeys: witnessKeys, quorum: quorum
    };
  }

  var STEPS = { unpack: L.step_unpack, entries: L.step_entries, tree: L.step_tree, checkpoints: L.step_checkpoints };
  // `blob`: the file chosen or dropped (read by the worker a block at a time), or the download.
  function run(blob) {
    var job;
    try { job = options(); } catch (message) { say("error", L.options_bad, [String(message)]); return; }
    if (worker) worker.terminate();
    // The worker is made of this page's own scripts, so that a saved copy works without the server.
    var source = [$("tlog-src").textContent, $("verify-src").textContent].join("\n;\n");
    worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
    progressBox.hidden = false;
    verdict.hidden = true;
    tables.replaceChildren();
    bar.removeAttribute("value");
    barText.textContent = L.step_unpack;
    var started = Date.now();
    worker.onmessage = function (message) {
      var data = message.data;
      if (data.progress) {
        var step = data.progress[0], done = data.progress[1], total = data.progress[2];
        bar.max = total;
        bar.value = done;
        barText.textContent = fill(STEPS[step] || step, { done: done.toLocaleString(), total: total.toLocaleString() });
        return;
      }
      progressBox.hidden = true;
      worker.terminate();
      worker = null;
      if (data.error) { say("error", L.unreadable, [data.error]); return; }
      show(data.result, job, (Date.now() - started) / 1000);
    };
    job.bundle = blob;
    worker.postMessage(job);
  }

  function codeLine(text) { return el("p", {}, [el("code", { class: "verify-line" }, [text])]); }
  function show(result, job, seconds) {
    var timing = fill(L.seconds, { seconds: seconds.toFixed(1) });
    if (result.ok) {
      verdict.setAttribute("data-verdict", "OK");
      verdict.setAttribute("data-timings", JSON.stringify(result.timings));   // for tools/bench/verify
      var summary = Object.assign({}, result.summary, { state: L["state_" + result.summary.state] || result.summary.state });
      var lines = [codeLine(result.line), fill(L.passed_detail, summary)];
      if (job.codes.length) lines.push(fill(L.codes_found, { codes: job.codes.join("、") }));
      lines.push(job.logKey ? L.key_pinned : L.key_trusted, timing);
      say("ok", L.passed, lines);
    } else {
      var where = result.seq === null || result.seq === undefined ? "bundle" : "seq " + result.seq;
      verdict.setAttribute("data-verdict", where + ": " + result.check);
      var place = result.seq === null || result.seq === undefined ? L.where_bundle : fill(L.where_seq, { seq: result.seq });
      say("error", L.failed, [fill(L.failed_detail, { where: place, check: result.check, meaning: L["check_" + result.check] || result.check }),
                              codeLine(result.line), timing]);
    }
    if (result.results) table(result.results, result.ok ? null : result.seq);
  }

  // The published results beside the recount, a row per subject.
  // `seq`: the entry whose results failed the recount, or null for the latest published ones.
  function table(results, seq) {
    var defn = results.definition, published = results.published, recount = results.recount;
    var labels = Object.create(null);
    ["member_stars", "organization_stars", "cadre_stars", "flags"].forEach(function (k) {
      (defn.rules[k] || []).forEach(function (s) { labels[s.star || s.flag] = s.label; });
    });
    function stars(s) {
      if (!s) return "";
      var words = (s.stars || []).map(function (x) { return labels[x] || x; });
      (s.withheld || []).forEach(function (w) { words.push(fill(L.withheld, { star: labels[w.star] || w.star })); });
      (s.flags || []).forEach(function (f) { words.push(fill(L.flag, { flag: labels[f] || f })); });
      return words.join("、") || "—";
    }
    function rate(s) { return s ? (s.rate === null ? "—" : s.rate + "%") + " (" + s.satisfied + "/" + s.denominator + ")" : ""; }
    var theirs = Object.create(null);
    (Array.isArray(published.subjects) ? published.subjects : []).forEach(function (s) { if (s && s.id) theirs[s.id] = s; });
    var same = 0, rows = recount.subjects.map(function (mine) {
      var other = theirs[mine.id], equal = !!other && VerifyBundle.jcs(other) === VerifyBundle.jcs(mine);
      if (equal) same++;
      return el("tr", { class: equal ? "" : "differs" }, [
        el("th", { scope: "row" }, [mine.name]), el("td", {}, [L["kind_" + mine.kind] || mine.kind]),
        el("td", { class: "num" }, [rate(other)]), el("td", {}, [stars(other)]),
        el("td", { class: "num" }, [rate(mine)]), el("td", {}, [stars(mine)]),
        el("td", {}, [equal ? "✔ " + L.row_same : "✘ " + L.row_differs])
      ]);
    });
    var head = el("tr", {}, [L.col_subject, L.col_kind, L.col_published_rate, L.col_published_stars, L.col_recount_rate,
                             L.col_recount_stars, L.col_match].map(function (h) { return el("th", { scope: "col" }, [h]); }));
    var caption = fill(seq === null ? L.table_caption : L.table_caption_at,
                       { seq: seq, stage: L["stage_" + published.stage] || published.stage, same: same, total: rows.length });
    tables.replaceChildren(el("h2", {}, [L.table_heading]), el("p", { id: "table-caption" }, [caption]),
      el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "table-caption" },
         [el("table", { class: "results verify-table", "aria-describedby": "table-caption" }, [el("thead", {}, [head]), el("tbody", {}, rows)])]));
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!bundle) { say("error", L.no_file); fileInput.focus(); return; }
    run(bundle);
  });

  // /verify/<id>: a signed-in reviewer (a session of the console, or a key typed here) fetches the bundle.
  function consoleKey() { try { return sessionStorage.getItem("minping.console.key") || ""; } catch (e) { return ""; } }
  var fetchButton = $("fetch-bundle");
  if (fetchButton) {
    fetchButton.addEventListener("click", function () {
      // A key typed here, or the console's key sign-in in this tab; else the console's session cookie.
      var headers = {}, key = $("fetch-key").value.trim() || consoleKey();
      if (key) headers.Authorization = "Bearer " + key;
      fetchButton.disabled = true;
      $("fetch-status").textContent = L.fetching;
      fetch("/api/v1/evaluations/" + encodeURIComponent(evaluation) + "/bundle", { headers: headers, credentials: "same-origin", cache: "no-store" })
        .then(function (reply) {
          if (reply.status === 401 || reply.status === 403) throw L.fetch_denied;
          if (reply.status === 404) throw L.fetch_missing;
          if (!reply.ok) throw fill(L.fetch_failed, { status: reply.status });
          return reply.blob();
        })
        .then(function (blob) {
          $("fetch-status").textContent = fill(L.fetched, { size: (blob.size / 1048576).toFixed(1) });
          bundle = blob;
          bundleName = evaluation + "-bundle.tar";
          run(blob);
        }, function (message) {
          $("fetch-status").textContent = typeof message === "string" ? message : L.fetch_failed.replace("{status}", "—");
        })
        .finally(function () { fetchButton.disabled = false; });
    });
  }
})();
