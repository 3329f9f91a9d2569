// The tellers' desk (计票台, SPEC §4, §7): a USB scanner types a paper form's QR content and
// Enter into the scan field (a pasted form link works too); the form's marks are then keyed with
// the keyboard only: 1–4 pick the option of the current subject and move on, 0 leaves it blank
// (two ticks or none), Backspace goes back, Enter sends. Each form is keyed by two tellers
// blind; the server casts it when both agree, else the scrutineer (an admin) settles it here.
import { L, P, t } from "./admin-text.js";
import { el, section, alertBox, statusBox, say } from "./admin-ui.js";
import { api, apiRetry, problemText } from "./admin-api.js";
import { isAdmin } from "./admin-session.js";
import { page, keepTimer, generation } from "./admin-router.js";

/** The token in what a scanner typed: a form link (…#t=<token>) or the token itself. */
export function tokenOf(text) {
  const s = String(text || "").trim();
  const m = /#t=([A-Za-z0-9_-]+)/.exec(s);
  if (m) return m[1];
  return /^[A-Za-z0-9_-]{100,}$/.test(s) ? s : null;
}

/** A button that opens the camera and hands the first QR code it reads to `found`. */
function cameraScanner(found) {
  const button = el("button", { type: "button", id: "scan-camera", text: L.desk_camera });
  const video = el("video", { class: "scan-video", hidden: true, playsinline: "", muted: "" });
  let stream = null, timer = null;
  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.hidden = true;
    button.textContent = L.desk_camera;
  }
  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      video.play();
      button.textContent = L.desk_camera_stop;
      timer = setInterval(function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) { const text = codes[0].rawValue; stop(); found(text); }
        }, function () { /* the next frame */ });
      }, 300);
      keepTimer(timer);
    }, function () { stop(); });
  });
  return el("div", { class: "stack" }, [button, video]);
}

export function deskPage(id) {
  const path = "/evaluations/" + encodeURIComponent(id);
  const myGen = generation();
  const counters = el("p", { id: "desk-counters", role: "status", text: L.loading });
  const scan = el("input", { type: "text", id: "scan", autocomplete: "off", spellcheck: "false", "aria-describedby": "scan-help" });
  const scanForm = el("form", { id: "scan-form", class: "stack" }, [el("label", { for: "scan", text: L.desk_scan }), scan,
    el("p", { class: "help", id: "scan-help", text: L.desk_scan_help })]);
  const alert = alertBox(), status = statusBox();
  // On a phone or tablet whose browser offers BarcodeDetector, the camera scans the form's QR.
  if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    scanForm.appendChild(cameraScanner(function (text) {
      scan.value = text;
      if (scanForm.requestSubmit) scanForm.requestSubmit(); else scanForm.dispatchEvent(new Event("submit", { cancelable: true }));
    }));
  }
  const keying = el("div", { id: "keying" });
  const disputes = el("div", { id: "disputes" });
  let info = null, current = null;

  function refresh() {
    api("GET", path + "/count").then(function (res) {
      if (myGen !== generation() || !res.ok || !res.data) return;
      say(counters, t("desk_counters", { counted: res.data.counted, waiting: res.data.awaiting_second.length, disputes: res.data.disputes.length }));
      if (isAdmin()) showDisputes(res.data.disputes);
    });
  }

  scanForm.addEventListener("submit", function (e) {
    e.preventDefault();
    say(alert, ""); say(status, "");
    const token = tokenOf(scan.value);
    scan.value = "";
    if (!token) { say(alert, L.desk_not_a_form); return; }
    // A form already counted is refused at the scan, before any keying.
    api("POST", path + "/token-status", { token: token }).then(function (res) {
      if (!res.ok) { say(alert, problemText(res)); return; }
      if (res.data && res.data.spent) { say(alert, L.desk_already_counted); scan.focus(); return; }
      startKeying(token);
    });
  });

  function startKeying(token) {
    const subjects = info.subjects, options = info.options;
    const marks = subjects.map(function () { return null; });
    let row = 0;
    keying.textContent = "";
    const rows = subjects.map(function (s, i) {
      const cells = options.map(function (o, k) { return el("td", { class: "mark", "data-option": o.id, text: String(k + 1) }); });
      return el("tr", { "data-row": String(i) }, [el("th", { scope: "row", text: s.name + (s.title ? P.open + s.title + P.close : "") })].concat(cells));
    });
    const table = el("table", { class: "results keying", id: "keying-table" }, [
      el("caption", { text: L.desk_keying }),
      el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: L.name })].concat(options.map(function (o, k) {
        return el("th", { scope: "col", text: (k + 1) + " " + o.label });
      })))]),
      el("tbody", {}, rows)]);
    const where = el("p", { id: "keying-row", role: "status", "aria-live": "polite" });
    const send = el("button", { type: "button", class: "primary", id: "keying-send", text: L.desk_send });
    const pad = el("div", { id: "keypad", tabindex: "0", class: "keypad", "aria-describedby": "keying-keys" }, [table]);
    keying.appendChild(el("div", { class: "stack" }, [el("p", { class: "help", id: "keying-keys", text: t("desk_keys", { n: options.length }) }), where, pad, send]));
    function draw() {
      rows.forEach(function (tr, i) {
        tr.classList.toggle("current", i === row);
        Array.prototype.forEach.call(tr.querySelectorAll("td"), function (td) { td.classList.toggle("picked", marks[i] === td.getAttribute("data-option")); });
      });
      const label = function (i) { const o = options.find(function (x) { return x.id === marks[i]; }); return o ? o.label : L.desk_blank; };
      say(where, row < subjects.length ? t("desk_row", { n: row + 1, total: subjects.length, name: subjects[row].name })
        + (row > 0 ? P.semi + subjects[row - 1].name + P.colon + label(row - 1) : "") : L.desk_done);
      if (rows[row]) rows[row].scrollIntoView({ block: "nearest" });
    }
    pad.addEventListener("keydown", function (e) {
      if (e.key >= "0" && e.key <= "9") {
        const k = Number(e.key);
        if (row >= subjects.length || k > options.length) return;
        marks[row] = k === 0 ? null : options[k - 1].id;
        row += 1;
        e.preventDefault();
        draw();
        if (row >= subjects.length) send.focus();
      } else if (e.key === "Backspace") {
        if (row > 0) row -= 1;
        e.preventDefault();
        draw();
      } else if (e.key === "Enter" && row >= subjects.length) {
        e.preventDefault();
        send.click();
      }
    });
    send.addEventListener("click", function () {
      const ratings = {};
      subjects.forEach(function (s, i) { if (marks[i]) ratings[s.id] = marks[i]; });
      send.disabled = true;
      apiRetry("POST", path + "/count", { token: token, ratings: ratings }).then(function (res) {
        send.disabled = false;
        keying.textContent = "";
        if (res.ok && res.data) {
          say(status, t(res.data.state === "cast" ? "desk_cast" : "desk_awaiting", { form: res.data.form }));
        } else {
          say(alert, res.code === "entries_differ" ? L.desk_differ : problemText(res));
        }
        refresh();
        scan.focus();
      });
    });
    draw();
    pad.focus();
  }

  // The scrutineer (监票人): both entries side by side; the option read off the paper, per subject.
  function showDisputes(list) {
    disputes.textContent = "";
    if (!list.length) return;
    const names = {}, labels = {};
    info.subjects.forEach(function (s) { names[s.id] = s.name; });
    info.options.forEach(function (o) { labels[o.id] = o.label; });
    disputes.appendChild(el("h2", { text: L.desk_disputes }));
    list.forEach(function (d) {
      const choices = info.subjects.map(function (s) {
        const differs = d.first[s.id] !== d.second[s.id];
        // A differing row starts undecided: the scrutineer must read it off the paper.
        const select = el("select", { "aria-label": s.name, "data-subject": s.id },
          (differs ? [el("option", { value: "?", text: L.match_choose })] : []).concat([el("option", { value: "", text: L.desk_blank })])
            .concat(info.options.map(function (o) { return el("option", { value: o.id, text: o.label }); })));
        select.value = differs ? "?" : d.first[s.id] || "";
        return el("tr", { class: differs ? "differs" : "" }, [el("th", { scope: "row", text: s.name }),
          el("td", { text: labels[d.first[s.id]] || L.desk_blank }), el("td", { text: labels[d.second[s.id]] || L.desk_blank }), el("td", {}, [select])]);
      });
      const button = el("button", { type: "button", class: "primary", text: L.desk_settle });
      const box = alertBox();
      button.addEventListener("click", function () {
        const ratings = {};
        const selects = Array.prototype.slice.call(disputes.querySelectorAll('[data-form="' + d.form + '"] select'));
        const undecided = selects.filter(function (s) { return s.value === "?"; });
        if (undecided.length) { say(box, t("desk_undecided", { n: undecided.length })); undecided[0].focus(); return; }
        selects.forEach(function (s) { if (s.value) ratings[s.getAttribute("data-subject")] = s.value; });
        button.disabled = true;
        apiRetry("POST", path + "/count/" + encodeURIComponent(d.form) + "/settle", { ratings: ratings }).then(function (res) {
          button.disabled = false;
          if (!res.ok) { say(box, problemText(res)); return; }
          say(status, t("desk_settled", { form: d.form }));
          refresh();
        });
      });
      disputes.appendChild(el("section", { class: "dispute", "data-form": d.form }, [
        el("h3", { text: t("desk_dispute", { form: d.form }) }),
        el("table", { class: "results" }, [el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: L.name }),
          el("th", { scope: "col", text: L.desk_first }), el("th", { scope: "col", text: L.desk_second }), el("th", { scope: "col", text: L.desk_decision })])]),
          el("tbody", {}, choices)]), button, box]));
    });
  }

  api("GET", path).then(function (res) {
    if (!res.ok || !res.data) { page(L.desk_title, [el("p", { class: "message error", role: "alert", text: problemText(res) })]); return; }
    info = res.data;
    page(t("desk_heading", { title: info.title }), [
      el("p", { class: "help", text: L.desk_intro }), counters,
      section(L.desk_scan_section, [scanForm, alert, status, keying], { id: "desk" }), disputes]);
    scan.focus();
    refresh();
    keepTimer(setInterval(refresh, 5000));
  });
}
