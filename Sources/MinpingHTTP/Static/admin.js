// The street office console (/admin): a client of /api/v1 and nothing more. It keeps no
// lifecycle logic of its own: it shows what the API says and offers the buttons that fit the
// state; the API decides. The key lives in sessionStorage (this tab only) and goes out as
// `Authorization: Bearer`; no cookies. Chinese first, English with ?lang=en. An ES module: its
// words come from admin-text.js.
import { TEXT, ERRORS } from "./admin-text.js";
import { REMEDY_TEXT, currentResult, remedyFieldset, vetoSection } from "./admin-remedies.js";
import { batchesSection, streetNamesSection } from "./admin-slips.js";

(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) return;
  var lang = /^en/i.test(document.documentElement.lang || root.getAttribute("data-lang") || "") ? "en" : "zh";
  var baseURL = (root.getAttribute("data-base") || location.origin).replace(/\/+$/, "");
  var langQuery = lang === "en" ? "?lang=en" : "";
  var KEY = "minping.console.key";

  var L = TEXT[lang], E = ERRORS[lang];
  // Punctuation: full-width in Chinese, ASCII in English.
  var P = lang === "en" ? { colon: ": ", open: " (", close: ")", comma: ", ", semi: "; " } : { colon: "：", open: "（", close: "）", comma: "，", semi: "；" };
  var WITH_DETAIL = { definition_invalid: 1, roster_invalid: 1, malformed_request: 1, text_invalid: 1, identity_conflict: 1, remedy_invalid: 1 };
  var STATES = ["draft", "open", "closed", "preliminary", "final", "annulled"];

  function t(key, vars) {
    var s = L[key];
    if (s === undefined) s = key;
    return vars ? s.replace(/\{(\w+)\}/g, function (_, n) { return vars[n] === undefined || vars[n] === null ? "" : String(vars[n]); }) : s;
  }
  /** Slips printed and codes made both count against the electorate, codes before they are used. */
  function slipsLeft(x) { return Math.max(0, (x.electorate || 0) - (x.slips || 0) - (x.codes || 0)); }
  function stateName(s) { return STATES.indexOf(s) >= 0 ? L["state_" + s] : s; }

  // ---- DOM helpers ----
  var uid = 0;
  function nextId(prefix) { uid += 1; return (prefix || "c") + "-" + uid; }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k === "on") Object.keys(v).forEach(function (ev) { node.addEventListener(ev, v[ev]); });
      else if (v === true) node.setAttribute(k, "");
      else node.setAttribute(k, v);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  /** An empty alert placed right after the control it speaks for. */
  function alertBox() { return el("p", { class: "message error alert", role: "alert" }); }
  function statusBox() { return el("p", { class: "message ok alert", role: "status" }); }
  function say(box, text) { box.textContent = text || ""; }
  function field(labelText, input, help) {
    var id = input.id || (input.id = nextId("f"));
    var parts = [el("label", { for: id, text: labelText })];
    if (help) {
      var hid = id + "-help";
      input.setAttribute("aria-describedby", hid);
      parts.push(input, el("p", { class: "help", id: hid, text: help }));
    } else parts.push(input);
    return el("div", { class: "field" }, parts);
  }
  function section(title, children, attrs) {
    var hid = nextId("h");
    var a = Object.assign({ "aria-labelledby": hid }, attrs || {});
    return el("section", a, [el("h2", { id: hid, text: title })].concat(children));
  }
  function tableWrap(caption, head, rows) {
    var table = el("table", { class: "results" }, [
      el("caption", { class: "visually-hidden", text: caption }),
      el("thead", {}, [el("tr", {}, head.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el("tbody", {}, rows.map(function (r) {
        return el("tr", {}, r.map(function (c, i) {
          if (c && c.nodeType) return el("td", {}, [c]);  // a control in the cell (a choice to make)
          return el(i === 0 ? "th" : "td", i === 0 ? { scope: "row", text: c } : { text: c });
        }));
      }))
    ]);
    return el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption }, [table]);
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // Times people read are in the street's time zone (the server's --timezone), whatever the
  // browser's own is; the API keeps UTC.
  var timeZone = root.getAttribute("data-timezone") || undefined;
  function formatDate(s) {
    if (!s) return "";
    var d = new Date(s);
    if (isNaN(d.getTime())) return s;
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-GB", { timeZone: timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .formatToParts(d).forEach(function (p) { parts[p.type] = p.value; });
      return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
    } catch (e) {
      return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
    }
  }

  // ---- the key and the API ----
  var who = null; // {role, street}
  function getKey() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } }
  function setKey(k) { try { if (k) sessionStorage.setItem(KEY, k); else sessionStorage.removeItem(KEY); } catch (e) { /* storage off */ } }
  function isAdmin() { return who && (who.role === "admin" || who.role === "operator"); }
  function isReviewer() { return who && (who.role === "reviewer" || who.role === "operator"); }

  function api(method, path, body, opts) {
    opts = opts || {};
    var headers = { Accept: "application/json, application/problem+json" };
    var key = opts.key || getKey();
    if (key) headers.Authorization = "Bearer " + key;
    var init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined && body !== null) {
      if (opts.contentType) { headers["Content-Type"] = opts.contentType; init.body = body; }
      else { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    }
    return fetch("/api/v1" + path, init).then(function (r) {
      if (r.ok && opts.blob) return r.blob().then(function (b) { return { ok: true, status: r.status, blob: b, response: r }; });
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (r.ok) return { ok: true, status: r.status, data: data };
        return { ok: false, status: r.status, code: (data && data.code) || "", detail: (data && data.detail) || "", title: (data && data.title) || "" };
      });
    }, function () { return { ok: false, status: 0, code: "network" }; });
  }
  /** busy / ballots_pending: the server asks for a moment; try once more by itself. */
  function apiRetry(method, path, body, opts) {
    return api(method, path, body, opts).then(function (res) {
      if (!res.ok && (res.code === "busy" || res.code === "ballots_pending")) {
        return new Promise(function (done) { setTimeout(done, 2500); }).then(function () { return api(method, path, body, opts); });
      }
      return res;
    });
  }
  function problemText(res) {
    var msg = E[res.code];
    if (!msg) msg = E.other.replace("{status}", res.status) + (res.title ? " " + res.title : "");
    if (res.detail && (WITH_DETAIL[res.code] || !E[res.code])) msg += res.detail;
    else if (WITH_DETAIL[res.code] && res.title) msg += res.title;
    return msg;
  }

  // ---- pages ----
  var timers = [];
  /** The helpers the console's view modules use (admin-remedies.js, admin-slips.js). */
  var UI = { lang: lang, L: L, P: P, t: t, el: el, field: field, nextId: nextId, alertBox: alertBox, say: say, section: section,
    api: api, apiRetry: apiRetry, problemText: problemText, formatDate: formatDate,
    format: function (s, vars) { return s.replace(/\{(\w+)\}/g, function (_, n) { return vars[n] === undefined ? "" : String(vars[n]); }); } };

  var flash = null;       // a message to show on the next page
  var createdId = null;   // just created: offer the YAML at the top
  var cards = null;       // {id, title, codes}: enrollment codes, shown once
  var langLink = document.querySelector("header .lang");
  var langHref = langLink ? langLink.getAttribute("href").split("#")[0] : null;

  var onReturn = null;     // refreshes the evaluation page when the clerk comes back to this tab
  function clearTimers() { timers.forEach(function (x) { clearInterval(x); clearTimeout(x); }); timers = []; onReturn = null; }
  window.addEventListener("focus", function () { if (onReturn) onReturn(); });
  function go(hash) {
    if (location.hash === hash) route(); else location.hash = hash;
  }
  function page(title, nodes, opts) {
    opts = opts || {};
    root.textContent = "";
    document.body.classList.remove("print-cards");
    if (who && !opts.noNav) root.appendChild(navBar());
    var h1 = el("h1", { tabindex: "-1", text: title });
    root.appendChild(h1);
    nodes.forEach(function (n) { if (n) root.appendChild(n); });
    document.title = title + " · " + t("console");
    if (!opts.keepFocus) h1.focus();
    return h1;
  }
  function navBar() {
    var out = el("button", { type: "button", class: "link-button", text: L.sign_out });
    out.addEventListener("click", signOut);
    return el("nav", { class: "console-nav", "aria-label": L.nav }, [
      el("a", { href: "#/", text: L.home }),
      isAdmin() ? el("a", { href: "#/new", text: L.new_evaluation }) : null,
      el("span", { class: "who", text: t("signed_in_as", { role: L["role_" + who.role] || who.role, street: who.street_name || who.street || L.all_streets }) }),
      out
    ]);
  }
  function signOut() {
    setKey(null);
    who = null;
    cards = null;
    flash = L.signed_out;
    go("#/");
  }

  var gen = 0; // bumped on every page change: late answers for an old page are dropped
  function route() {
    gen += 1;
    clearTimers();
    if (langLink && langHref !== null) langLink.setAttribute("href", langHref + (location.hash || ""));
    if (!getKey() || !who) return signInPage();
    var h = decodeURIComponent(location.hash.replace(/^#/, ""));
    var m = /^\/e\/([a-z0-9-]{1,64})$/.exec(h);
    if (h === "/new") return newPage();
    if (m) return evaluationPage(m[1]);
    return homePage();
  }

  // -- sign in --
  function signInPage(message) {
    var input = el("input", { type: "password", id: "key", name: "key", autocomplete: "current-password", spellcheck: "false", required: true });
    var button = el("button", { type: "submit", class: "primary", text: L.sign_in });
    var alert = alertBox();
    var form = el("form", { class: "stack", id: "sign-in" }, [field(L.key, input), button, alert]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var key = input.value.trim();
      if (!key) { input.focus(); return; }
      button.disabled = true;
      button.textContent = L.signing_in;
      say(alert, "");
      api("GET", "/whoami", null, { key: key }).then(function (res) {
        button.disabled = false;
        button.textContent = L.sign_in;
        if (res.ok && res.data && res.data.role) {
          setKey(key);
          who = res.data;
          route();
        } else {
          say(alert, res.status === 401 || res.status === 403 ? E.unauthenticated : problemText(res));
          input.focus();
          input.select();
        }
      });
    });
    var note = flash || message;
    flash = null;
    page(L.sign_in_title, [
      note ? el("p", { class: "message", role: "status", text: note }) : null,
      el("p", { text: L.sign_in_intro }), form
    ], { noNav: true });
  }

  // -- home --
  function evalCard(e, headingTag) {
    return el("li", { class: "eval-card" }, [
      el(headingTag, {}, [el("a", { href: "#/e/" + e.id, text: e.title })]),
      el("p", { class: "meta", text: (e.community ? e.community + " · " : "") + L.id + " " + e.id }),
      el("p", {}, [el("span", { class: "state state-" + e.state, text: stateName(e.state) }), " ",
        el("span", { class: "counts", text: t("counts", e) })]),
      el("p", { class: "next", text: L.next + (L["next_" + e.state] || "") })
    ]);
  }
  function homePage() {
    var status = el("p", { role: "status", text: L.loading });
    var list = el("div", { class: "eval-list" });
    var title = who.street ? t("list_title_street", { street: who.street_name || who.street }) : L.list_title;
    var note = flash; flash = null;
    page(title, [
      note ? el("p", { class: "message ok", role: "status", text: note }) : null,
      isAdmin() ? el("p", {}, [el("a", { class: "button", href: "#/new", text: L.new_evaluation })]) : null,
      status, list
    ]);
    if (who.role === "operator") {
      // The list below is headed by a new name too: the page is drawn again.
      list.parentNode.insertBefore(streetNamesSection(UI, function () { flash = L.street_named; homePage(); }), list);
    }
    api("GET", "/evaluations" + (who.street ? "?street=" + encodeURIComponent(who.street) : "")).then(function (res) {
      if (!res.ok) { status.className = "message error"; status.setAttribute("role", "alert"); say(status, problemText(res)); return; }
      var evs = (res.data && res.data.evaluations) || [];
      say(status, evs.length ? "" : L.no_evaluations);
      if (!evs.length) status.className = "message";
      if (who.street) {
        list.appendChild(el("ul", { class: "cards-list" }, evs.map(function (e) { return evalCard(e, "h2"); })));
      } else {
        var streets = [];
        evs.forEach(function (e) { if (streets.indexOf(e.street) < 0) streets.push(e.street); });
        streets.forEach(function (s) {
          var named = evs.find(function (e) { return e.street === s && e.street_name; });
          list.appendChild(section(named ? named.street_name : L.street + " " + s, [el("ul", { class: "cards-list" },
            evs.filter(function (e) { return e.street === s; }).map(function (e) { return evalCard(e, "h3"); }))]));
        });
      }
    });
  }

  // -- new evaluation --
  var STARS = function (m1, m2, o1) {
    return {
      member_stars: [{ star: "recognition", label: "群众认可星", percent: m1 }, { star: "satisfaction", label: "群众满意星", percent: m2 }],
      organization_stars: [{ star: "satisfaction", label: "群众满意星", percent: o1 }]
    };
  };
  var ZHENHAI_OPTIONS = [
    { id: "satisfied", label: "满意", satisfied: true },
    { id: "basically_satisfied", label: "基本满意" },
    { id: "dissatisfied", label: "不满意" },
    { id: "unknown", label: "不了解", abstain: true }
  ];
  function randomSuffix() {
    var chars = "abcdefghijklmnopqrstuvwxyz0123456789", out = "", bytes = new Uint8Array(4);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    for (var i = 0; i < 4; i++) out += chars[bytes[i] % chars.length];
    return out;
  }
  function rulesSummary(rules, options) {
    if (!rules) return "";
    var den = { ballots: L.den_ballots, answers: L.den_answers, electorate: L.den_electorate }[rules.denominator] || rules.denominator;
    var cmp = { above: L.cmp_above, at_least: L.cmp_at_least }[rules.comparison] || rules.comparison;
    var stars = function (list) { return (list || []).map(function (s) { return s.label + " " + s.percent + "%"; }).join(P.comma); };
    var sat = (options || []).filter(function (o) { return o.satisfied; }).map(function (o) { return o.label; }).join("、");
    return [L.denominator + P.colon + den, L.comparison + P.colon + cmp, L.members + P.colon + stars(rules.member_stars),
      L.branches + P.colon + stars(rules.organization_stars), sat ? "✓ " + sat : ""].filter(Boolean).join(P.semi);
  }

  function newPage() {
    if (!isAdmin()) { flash = null; return homePage(); }
    var year = new Date().getFullYear();
    var streetEvs = [];
    var roster = null;          // {organizations, members, errors}
    var rosterSource = "";
    var previous = null;        // {id, options, rules}
    var idTouched = false;

    var streetInput = who.street ? null : el("input", { type: "text", id: "street", name: "street", required: true, pattern: "[a-z0-9-]{1,64}", autocomplete: "off", spellcheck: "false" });
    function street() { return who.street || (streetInput && streetInput.value.trim()) || ""; }
    var idInput = el("input", { type: "text", id: "eval-id", name: "id", required: true, pattern: "[a-z0-9-]{1,64}", maxlength: "64", autocomplete: "off", spellcheck: "false" });
    function suggestId() { if (!idTouched) idInput.value = (street() || "street") + "-" + year + "-" + randomSuffix(); }
    suggestId();
    idInput.addEventListener("input", function () { idTouched = true; });
    var titleInput = el("input", { type: "text", id: "eval-title", name: "title", required: true, maxlength: "300", autocomplete: "off" });
    var communityInput = el("input", { type: "text", id: "eval-community", name: "community", maxlength: "200", autocomplete: "off" });
    var noticeInputs = {
      date: el("input", { type: "text", id: "notice-date", maxlength: "200", autocomplete: "off" }),
      place: el("input", { type: "text", id: "notice-place", maxlength: "200", autocomplete: "off" }),
      contact: el("input", { type: "text", id: "notice-contact", maxlength: "200", autocomplete: "off" }),
      issuer: el("input", { type: "text", id: "notice-issuer", maxlength: "200", autocomplete: "off" }),
      text: el("textarea", { id: "notice-text", rows: "3", maxlength: "2000" })
    };
    var electorateInput = el("input", { type: "number", id: "eval-electorate", name: "electorate", required: true, min: "1", max: "1000000", step: "1", inputmode: "numeric" });
    var publicityInput = el("input", { type: "number", id: "eval-publicity", name: "publicity_days", required: true, min: "0", max: "365", step: "1", value: "5", inputmode: "numeric" });

    // 以去年为基础
    var prevSelect = el("select", { id: "previous", name: "previous" });
    var copyButton = el("button", { type: "button", id: "copy-previous", text: L.copy_previous });
    var copyAlert = alertBox(), copyStatus = statusBox();
    function fillPrevious() {
      var community = communityInput.value.trim();
      var list = streetEvs.filter(function (e) { return !community || e.community === community; });
      if (community && !list.length) list = streetEvs;
      var keep = prevSelect.value;
      prevSelect.textContent = "";
      prevSelect.appendChild(el("option", { value: "", text: streetEvs.length ? L.previous_none : L.previous_none_found }));
      list.forEach(function (e) {
        prevSelect.appendChild(el("option", { value: e.id, text: e.title + P.open + e.id + (e.community ? " · " + e.community : "") + P.close }));
      });
      if (keep && list.some(function (e) { return e.id === keep; })) prevSelect.value = keep;
      copyButton.disabled = !prevSelect.value;
    }
    prevSelect.addEventListener("change", function () { copyButton.disabled = !prevSelect.value; });
    communityInput.addEventListener("input", fillPrevious);
    function loadStreet() {
      streetEvs = [];
      fillPrevious();
      if (!street()) return;
      api("GET", "/evaluations?street=" + encodeURIComponent(street())).then(function (res) {
        if (res.ok && res.data) streetEvs = (res.data.evaluations || []).filter(function (e) { return e.street === street(); });
        fillPrevious();
      });
    }
    if (streetInput) streetInput.addEventListener("change", function () { suggestId(); loadStreet(); });

    copyButton.addEventListener("click", function () {
      var prev = prevSelect.value;
      if (!prev) return;
      copyButton.disabled = true; copyButton.textContent = L.copying;
      say(copyAlert, ""); say(copyStatus, "");
      api("GET", "/evaluations/" + encodeURIComponent(prev) + "/definition").then(function (res) {
        copyButton.disabled = false; copyButton.textContent = L.copy_previous;
        if (!res.ok || !res.data) { say(copyAlert, problemText(res)); return; }
        var d = res.data;
        titleInput.value = String(d.title || "").replace(/(19|20)\d{2}/, function (y) { return String(Number(y) + 1); });
        communityInput.value = d.community || "";
        if (d.electorate) electorateInput.value = d.electorate;
        if (d.publicity_days !== undefined && d.publicity_days !== null) publicityInput.value = d.publicity_days;
        // The notice's place, contact and issuer carry over; the date is this year's to set.
        Object.keys(noticeInputs).forEach(function (k) { if (k !== "date") noticeInputs[k].value = (d.notice && d.notice[k]) || ""; });
        previous = { id: d.id || prev, options: d.options, rules: d.rules };
        // Last year's roster as it is: its ids are the people's (shown), no sheet or rows.
        roster = { organizations: d.organizations || [], members: d.members || [], errors: [], left: [], sheets: [], skipped: [],
          summary: [], partialAllowed: true, idsGiven: true, copied: true };
        rosterSource = t("preview_from_previous", { id: previous.id });
        fillPrevious();
        prevSelect.value = previous.id;
        renderPresets("previous");
        renderPreview();
        say(copyStatus, t("copied", { title: d.title, id: previous.id }));
      });
    });

    // counting rules
    var presetBox = el("div", { class: "presets" });
    var customBox = el("fieldset", { class: "custom-rules", id: "custom-rules" });
    var denSelect = el("select", { id: "rule-denominator" }, [
      el("option", { value: "ballots", text: L.den_ballots }), el("option", { value: "answers", text: L.den_answers }),
      el("option", { value: "electorate", text: L.den_electorate })]);
    var cmpSelect = el("select", { id: "rule-comparison" }, [
      el("option", { value: "above", text: L.cmp_above }), el("option", { value: "at_least", text: L.cmp_at_least })]);
    function pct(id, v) { return el("input", { type: "number", id: id, min: "0", max: "100", step: "0.01", value: String(v), required: true, inputmode: "decimal" }); }
    var m1 = pct("rule-m1", 60), m2 = pct("rule-m2", 80), o1 = pct("rule-o1", 70);
    customBox.appendChild(el("legend", { text: L.custom_rules }));
    [field(L.denominator, denSelect), field(L.comparison, cmpSelect), field(L.member_recognition, m1),
      field(L.member_satisfaction, m2), field(L.org_satisfaction, o1)].forEach(function (n) { customBox.appendChild(n); });
    function presetChoice() { var c = presetBox.querySelector("input:checked"); return c ? c.value : "rushan"; }
    function renderPresets(checked) {
      checked = checked || presetChoice();
      presetBox.textContent = "";
      var presets = ["rushan", "zhenhai", "custom"];
      if (previous) presets.push("previous");
      presets.forEach(function (p) {
        var id = "preset-" + p, hid = id + "-help";
        var input = el("input", { type: "radio", name: "preset", id: id, value: p, "aria-describedby": hid });
        if (p === checked) input.checked = true;
        input.addEventListener("change", function () { customBox.hidden = presetChoice() !== "custom"; });
        var help = p === "previous" ? t("preset_previous_help", { summary: rulesSummary(previous.rules, previous.options) }) : L["preset_" + p + "_help"];
        presetBox.appendChild(el("div", { class: "choice" }, [input, el("label", { for: id, text: p === "previous" ? L.preset_previous + P.open + previous.id + P.close : L["preset_" + p] }),
          el("p", { class: "help", id: hid, text: help })]));
      });
      customBox.hidden = checked !== "custom";
    }
    renderPresets("rushan");

    // roster
    var fileInput = el("input", { type: "file", id: "roster-file", name: "roster", accept: ".xlsx,.csv,.xls,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv,application/vnd.ms-excel" });
    var rosterAlert = alertBox();
    rosterAlert.id = "roster-alert";
    var rosterStatus = el("p", { role: "status", class: "help" });
    var preview = el("div", { id: "preview" });
    var skipBox = el("div", { class: "choice skip", hidden: true });
    var skipInput = el("input", { type: "checkbox", id: "skip-errors" });
    var skipLabel = el("label", { for: "skip-errors" });
    skipBox.appendChild(skipInput); skipBox.appendChild(skipLabel);
    skipInput.addEventListener("change", updateCreate);

    // The file as chosen, kept to read another of its sheets when the clerk picks one.
    var upload = null;
    fileInput.addEventListener("change", function () {
      var file = fileInput.files && fileInput.files[0];
      say(rosterAlert, "");
      if (!file) return;
      var name = file.name.toLowerCase();
      var type = /\.xlsx$/.test(name) ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        : /\.xls$/.test(name) ? "application/vnd.ms-excel"
        : /\.csv$/.test(name) ? "text/csv"
        : file.type === "text/csv" ? "text/csv" : null;
      if (!type) { say(rosterAlert, L.roster_type); roster = null; renderPreview(); return; }
      file.arrayBuffer().then(function (bytes) {
        upload = { name: file.name, type: type, bytes: bytes };
        readRoster(null);
      }, function () { say(rosterAlert, E.network); });
    });
    // Sends the kept file to /rosters (a sheet of it, if one is named) and previews the answer.
    function readRoster(sheet) {
      say(rosterStatus, L.roster_reading);
      // With a previous round, its people keep their ids (SPEC §1): the server matches them.
      var params = [];
      if (previous) params.push("previous=" + encodeURIComponent(previous.id));
      if (sheet) params.push("sheet=" + encodeURIComponent(sheet));
      api("POST", "/rosters" + (params.length ? "?" + params.join("&") : ""), upload.bytes, { contentType: upload.type }).then(function (res) {
        say(rosterStatus, "");
        // A refused file leaves no roster behind: what is previewed is what gets created.
        if (!res.ok || !res.data) { say(rosterAlert, problemText(res)); roster = null; renderPreview(); return; }
        roster = { organizations: res.data.organizations || [], members: res.data.members || [], errors: res.data.errors || [],
          previous: res.data.previous || null, left: res.data.left || [], sheet: res.data.sheet || null, sheets: res.data.sheets || [],
          headerRow: res.data.header_row || 1, skipped: res.data.skipped || [], summary: res.data.error_summary || [],
          partialAllowed: res.data.partial_allowed !== false, idsGiven: !!res.data.ids_given };
        rosterSource = t("preview_from_file", { name: upload.name });
        skipInput.checked = false;
        renderPreview();
      }, function () { say(rosterStatus, ""); say(rosterAlert, E.network); roster = null; renderPreview(); });
    }

    function renderPreview() {
      preview.textContent = "";
      if (!roster) { skipBox.hidden = true; skipInput.checked = false; updateCreate(); return; }
      var orgName = Object.create(null);
      roster.organizations.forEach(function (o) { orgName[o.id] = o.name; });
      var showIds = roster.idsGiven || !!roster.previous;
      var perBranch = Object.create(null);
      roster.members.forEach(function (m) { perBranch[m.organization] = (perBranch[m.organization] || 0) + 1; });
      var nodes = [el("h3", { text: L.preview }),
        el("p", { id: "preview-summary", text: rosterSource + " · " + t("preview_summary", { orgs: roster.organizations.length, members: roster.members.length }) })];
      // Where the table was found: the sheet (another can be picked), the header row, and the
      // rows left out on purpose (blank, footer), so the clerk can tell the reading is right.
      var where = [];
      if (roster.sheet) where.push(t("preview_sheet", { sheet: roster.sheet }));
      if (!roster.copied) where.push(t("preview_header_row", { row: roster.headerRow }));
      if (roster.skipped.length) where.push(t("preview_skipped", { n: roster.skipped.length, rows: roster.skipped.slice(0, 8).map(function (x) { return x.row; }).join(P.comma) + (roster.skipped.length > 8 ? "…" : "") }));
      if (where.length) nodes.push(el("p", { class: "help", id: "preview-where", text: where.join(P.semi) }));
      if (roster.sheets.length > 1) {
        var sheetSelect = el("select", { id: "roster-sheet" }, roster.sheets.map(function (s) { return el("option", { value: s, text: s, selected: s === roster.sheet }); }));
        sheetSelect.addEventListener("change", function () { readRoster(sheetSelect.value); });
        nodes.push(field(L.roster_sheet, sheetSelect, L.roster_sheet_help));
      }
      if (roster.errors.length) {
        nodes.push(el("div", { class: "message error row-errors", role: "alert", id: "row-errors" }, [
          el("h4", { text: t("row_errors", { n: roster.errors.length }) }),
          roster.summary.length ? el("ul", { class: "error-summary" }, roster.summary.map(function (x) { return el("li", { text: x }); })) : null,
          el("details", {}, [el("summary", { text: L.row_errors_all }),
            el("ul", {}, roster.errors.map(function (x) { return el("li", { text: t("row_error", x) }); }))]),
          el("p", { text: roster.partialAllowed ? L.row_errors_help : L.row_errors_stop })]));
      }
      nodes.push(el("h4", { text: L.branches + P.open + roster.organizations.length + P.close }),
        tableWrap(L.branches_table, [L.org_name, L.org_members], roster.organizations.map(function (o) { return [o.name, String(perBranch[o.id] || 0)]; })),
        el("h4", { text: L.members + P.open + roster.members.length + P.close }),
        // Names and branches as the file has them; the 编号 only when it says something: the
        // file gave it, or last year's people keep theirs (ids the server numbered, m-001, say
        // nothing to a clerk).
        tableWrap(L.members_table, (roster.copied ? [] : [L.row_number]).concat([L.name], showIds ? [L.member_id] : [], [L.branch],
          roster.previous ? [L.match_column] : []),
          roster.members.map(function (m, i) {
            return (roster.copied ? [] : [String(m.row || "")]).concat([m.name], showIds ? [m.id] : [],
              [orgName[m.organization] || m.organization || ""], roster.previous ? [matchCell(m, i)] : []);
          })));
      if (roster.previous) {
        nodes.splice(2, 0, el("p", { class: "help", id: "match-help", text: t("match_help", { id: roster.previous }) }));
        if (roster.left.length) {
          nodes.push(el("h4", { text: t("left_title", { n: roster.left.length }) }),
            el("ul", { id: "left-list" }, roster.left.map(function (s) { return el("li", { text: t("left_item", { name: s.name, branch: s.organization || L.members }) }); })));
        }
      }
      nodes.forEach(function (n) { preview.appendChild(n); });
      skipLabel.textContent = t("skip_errors", { n: roster.errors.length });
      // Too many rows in error: the file is more likely misread than a few rows wrong, and
      // leaving them out would quietly evaluate part of the members. Not offered then.
      skipBox.hidden = !roster.errors.length || !roster.partialAllowed;
      if (skipBox.hidden) skipInput.checked = false;
      updateCreate();
    }

    // 与上一轮: who each row is. An ambiguous row is settled by the clerk: one of the
    // candidates (their old id) or a new person (the fresh id the server gave the row).
    function matchCell(m, index) {
      if (m.match === "matched" && m.previous) {
        return t("match_matched", { name: m.previous.name, branch: m.previous.organization || "", row: m.row });
      }
      if (m.match !== "ambiguous") return renameCell(m, index);
      if (m.freshId === undefined) m.freshId = m.id;
      var select = el("select", { id: "match-" + index, "aria-label": m.name + " · " + t("match_ambiguous", { n: m.candidates.length }) });
      select.appendChild(el("option", { value: "", text: L.match_choose }));
      m.candidates.forEach(function (c) {
        select.appendChild(el("option", { value: c.id, text: t("match_is", { name: c.name, branch: c.organization || "" }) }));
      });
      select.appendChild(el("option", { value: "new", text: L.match_new_person }));
      select.value = m.settled || "";
      var problem = el("span", { class: "field-error", role: "alert" });
      select.addEventListener("change", function () {
        var choice = select.value;
        var other = choice && choice !== "new" && roster.members.filter(function (x) { return x !== m && x.id === choice; })[0];
        if (other) { problem.textContent = t("match_taken", { name: other.name, row: other.row }); select.value = m.settled || ""; return; }
        problem.textContent = "";
        m.settled = choice;
        m.id = choice === "new" || !choice ? m.freshId : choice;
        renderPreview();
        var again = document.getElementById("match-" + index);
        if (again) again.focus();
      });
      return el("div", { class: "stack" }, [el("span", { text: t("match_ambiguous", { n: m.candidates.length }) }), select, problem]);
    }
    // A new row may be someone of last year under a new name (a real change of name, SPEC §2):
    // the clerk can say so, and the member keeps the old id with renamed_from.
    function renameCell(m, index) {
      var gone = roster.left.filter(function (s) { return s.kind === "member"; });
      if (!gone.length) return L.match_new;
      if (m.freshId === undefined) m.freshId = m.id;
      var select = el("select", { id: "rename-" + index, "aria-label": m.name + " · " + L.match_column });
      select.appendChild(el("option", { value: "", text: L.match_new }));
      gone.forEach(function (s) {
        select.appendChild(el("option", { value: s.id, text: t("match_renamed", { name: s.name, branch: s.organization || "" }) }));
      });
      select.value = m.renamedFromId || "";
      var problem = el("span", { class: "field-error", role: "alert" });
      select.addEventListener("change", function () {
        var choice = select.value;
        var other = choice && roster.members.filter(function (x) { return x !== m && x.id === choice; })[0];
        if (other) { problem.textContent = t("match_taken", { name: other.name, row: other.row }); select.value = m.renamedFromId || ""; return; }
        var person = gone.filter(function (s) { return s.id === choice; })[0];
        m.renamedFromId = choice;
        m.id = person ? person.id : m.freshId;
        m.renamed_from = person ? person.name : undefined;
        renderPreview();
        var again = document.getElementById("rename-" + index);
        if (again) again.focus();
      });
      return el("div", { class: "stack" }, [select, problem]);
    }
    function unsettled() {
      return roster ? roster.members.filter(function (m) { return m.match === "ambiguous" && !m.settled; }).length : 0;
    }

    var createButton = el("button", { type: "submit", class: "primary", id: "create", "aria-describedby": "create-why", text: L.create });
    var createWhy = el("p", { id: "create-why", class: "help" });
    var createAlert = alertBox();
    createAlert.id = "create-alert";
    function updateCreate() {
      var subjects = roster ? roster.organizations.length + roster.members.length : 0;
      var why = !subjects ? L.create_need_roster
        : roster.errors.length && !roster.partialAllowed ? L.create_need_fix
        : roster.errors.length && !skipInput.checked ? L.create_need_skip
        : unsettled() ? t("create_need_match", { n: unsettled() }) : "";
      createButton.disabled = !!why;
      createWhy.textContent = why;
    }

    var form = el("form", { id: "new-evaluation", class: "console-form" }, [
      section(L.basics, [
        streetInput ? field(L.street, streetInput, L.street_help) : null,
        field(L.id, idInput, L.id_help),
        field(L.title, titleInput),
        field(L.community, communityInput),
        el("div", { class: "row2" }, [field(L.electorate, electorateInput, L.electorate_help), field(L.publicity_days, publicityInput, L.publicity_help)])
      ]),
      // What the printed notices say (SPEC §2 notice): all optional; 以去年为基础 copies them.
      section(L.notice, [el("p", { class: "help", text: L.notice_help }),
        el("div", { class: "row2" }, [field(L.notice_date, noticeInputs.date, L.notice_date_help), field(L.notice_place, noticeInputs.place)]),
        el("div", { class: "row2" }, [field(L.notice_contact, noticeInputs.contact, L.notice_contact_help), field(L.notice_issuer, noticeInputs.issuer, L.notice_issuer_help)]),
        field(L.notice_text, noticeInputs.text)], { id: "notice-fields" }),
      section(L.based_on, [el("p", { class: "help", text: L.previous_help }),
        el("div", { class: "inline" }, [field(L.previous, prevSelect), copyButton]), copyAlert, copyStatus]),
      section(L.rules, [el("fieldset", { class: "presets-set" }, [el("legend", { class: "visually-hidden", text: L.rules }), presetBox]), customBox]),
      section(L.roster, [field(L.roster_file, fileInput, L.roster_help), rosterAlert, rosterStatus, preview]),
      el("div", { class: "stack" }, [skipBox, createWhy, createButton, createAlert])
    ]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (createButton.disabled) return;
      var def = {
        id: idInput.value.trim(), title: titleInput.value.trim(), street: street(),
        electorate: parseInt(electorateInput.value, 10), publicity_days: parseInt(publicityInput.value, 10)
      };
      if (communityInput.value.trim()) def.community = communityInput.value.trim();
      var notice = {};
      Object.keys(noticeInputs).forEach(function (k) { if (noticeInputs[k].value.trim()) notice[k] = noticeInputs[k].value.trim(); });
      if (Object.keys(notice).length) def.notice = notice;
      if (previous) def.previous = previous.id;
      var p = presetChoice();
      if (p === "rushan") def.rules = Object.assign({ denominator: "ballots", comparison: "above" }, STARS(60, 80, 70));
      else if (p === "zhenhai") { def.options = ZHENHAI_OPTIONS; def.rules = Object.assign({ denominator: "electorate", comparison: "at_least" }, STARS(60, 80, 70)); }
      else if (p === "custom") def.rules = Object.assign({ denominator: denSelect.value, comparison: cmpSelect.value }, STARS(Number(m1.value), Number(m2.value), Number(o1.value)));
      else if (p === "previous" && previous) { if (previous.options) def.options = previous.options; if (previous.rules) def.rules = previous.rules; }
      // Only the definition's fields: the preview's row, match and candidates stay here.
      def.organizations = roster.organizations.map(function (o) { return { id: o.id, name: o.name }; });
      def.members = roster.members.map(function (m) {
        var member = { id: m.id, name: m.name };
        if (m.organization) member.organization = m.organization;
        if (m.renamed_from) member.renamed_from = m.renamed_from;
        return member;
      });
      createButton.disabled = true; createButton.textContent = L.creating;
      say(createAlert, "");
      api("POST", "/evaluations", def).then(function (res) {
        createButton.textContent = L.create;
        updateCreate();
        if (!res.ok) {
          say(createAlert, problemText(res));
          if (res.code === "evaluation_exists") { idInput.focus(); }
          return;
        }
        createdId = (res.data && res.data.id) || def.id;
        flash = L.created;
        go("#/e/" + createdId);
      });
    });
    page(L.new_title, [form]);
    loadStreet();
    updateCreate();
  }

  // -- one evaluation --
  function evaluationPage(id) {
    var path = "/evaluations/" + encodeURIComponent(id);
    var status = el("p", { role: "status", text: L.loading });
    var note = flash; flash = null;
    page(id, [status]);
    var myGen = gen;
    api("GET", path).then(function (res) {
      if (myGen !== gen) return;
      if (!res.ok) {
        status.className = "message error"; status.setAttribute("role", "alert");
        say(status, res.code === "not_found" ? L.not_found_eval : problemText(res));
        root.appendChild(el("p", {}, [el("a", { href: "#/", text: L.back_home })]));
        return;
      }
      renderEvaluation(res.data, note, false);
    });
  }

  function renderEvaluation(info, note, keepFocus) {
    clearTimers();
    var id = info.id, path = "/evaluations/" + encodeURIComponent(id);
    var state = info.state;
    var myGen = gen;
    function reload(message) {
      api("GET", path).then(function (res) {
        if (myGen === gen && res.ok) renderEvaluation(res.data, message, true);
      });
    }

    // status and turnout
    var turnoutText = el("p", { id: "turnout", class: "turnout-text", "aria-live": "polite" });
    var bar = el("progress", { id: "turnout-bar", max: String(info.electorate || 1), value: "0", "aria-label": L.turnout });
    var stateBadge = el("span", { class: "state state-" + state, id: "state", text: stateName(state) });
    var leftNode = null, countInputs = [];
    function showTurnout(x) {
      var left = slipsLeft(x);
      if (leftNode) leftNode.textContent = t("slips_left", { n: left, electorate: x.electorate, slips: x.slips || 0, codes: x.codes || 0 });
      countInputs.forEach(function (input) { input.setAttribute("max", String(Math.max(1, Math.min(500, left)))); });
      var percent = x.electorate ? Math.round(x.ballots * 1000 / x.electorate) / 10 : 0;
      var text = t("turnout_text", { ballots: x.ballots, issued: x.issued, electorate: x.electorate, percent: percent });
      if (turnoutText.textContent !== text) turnoutText.textContent = text;
      bar.setAttribute("max", String(x.electorate || 1));
      bar.setAttribute("value", String(x.ballots || 0));
      bar.setAttribute("aria-valuetext", text);
    }
    showTurnout(info);
    var flashNode = note ? el("p", { class: "message ok", role: "status", tabindex: "-1", id: "flash", text: note }) : null;
    var nodes = [
      el("p", { class: "sub", text: t("eval_meta", { community: info.community ? info.community + " · " : "", id: id, street: info.street_name || L.street + " " + info.street }) }),
      flashNode,
      createdId === id && note === L.created ? el("p", { class: "message" }, [el("a", { href: "/api/v1" + path + "/definition.yaml", download: id + ".yaml", text: L.definition_yaml })]) : null,
      el("div", { class: "status-box" }, [
        el("p", {}, [L.state + P.colon, stateBadge, " ", el("span", { class: "next", text: L.next + (L["next_" + state] || "") })]),
        turnoutText, bar,
        info.round > 1 ? el("p", { class: "message", id: "round-note", text: t("round_note", { round: info.round,
          names: (info.subjects || []).filter(function (s) { return (info.round_subjects || []).indexOf(s.id) >= 0; })
            .map(function (s) { return s.name; }).join(P.comma) }) }) : null,
        state === "open" ? el("p", { class: "help", text: L.auto_refresh }) : null
      ])
    ];

    // next step
    var steps = [];
    if (isAdmin()) {
      if (state === "draft") steps.push(actionControl(L.open, L.open_q, function () { return apiRetry("POST", path + "/open", {}); }, L.opened));
      if (state === "open") steps.push(actionControl(L.close, L.close_q, function () { return apiRetry("POST", path + "/close", {}); }, L.closed));
      if (state === "closed") steps.push(actionControl(L.publish_pre, L.publish_pre_q, function () { return apiRetry("POST", path + "/publish", { stage: "preliminary" }); }, L.published_pre));
      if (state === "preliminary") steps.push(actionControl(L.publish_final, L.publish_final_q, function () { return apiRetry("POST", path + "/publish", { stage: "final" }); }, L.published_final));
    } else if (state !== "final" && state !== "annulled") steps.push(el("p", { class: "help", text: L.only_admin }));
    var actionsSection = steps.length ? section(L.actions, steps, { id: "actions" }) : null;
    if (actionsSection) nodes.push(actionsSection);

    function actionControl(label, question, run, done, withReason) {
      var box = el("div", { class: "action" });
      var button = el("button", { type: "button", class: withReason ? "danger" : "", "data-action": label, text: label });
      var confirmBox = el("div", { class: "confirm", hidden: true, role: "group", "aria-label": label });
      var reason = withReason ? el("textarea", { id: nextId("reason"), rows: "3", maxlength: "1000", required: true }) : null;
      var yes = el("button", { type: "button", class: "primary confirm-yes", text: withReason ? L.annul_confirm : L.confirm + P.comma + label });
      var no = el("button", { type: "button", class: "confirm-no", text: L.cancel });
      var alert = alertBox();
      confirmBox.appendChild(el("p", { class: "question", text: question }));
      if (reason) confirmBox.appendChild(field(L.annul_reason, reason));
      confirmBox.appendChild(el("div", { class: "inline" }, [yes, no]));
      button.addEventListener("click", function () {
        button.hidden = true; confirmBox.hidden = false; say(alert, "");
        (reason || yes).focus();
      });
      no.addEventListener("click", function () { confirmBox.hidden = true; button.hidden = false; say(alert, ""); button.focus(); });
      yes.addEventListener("click", function () {
        if (reason && !reason.value.trim()) { reason.focus(); say(alert, L.annul_reason + "？"); return; }
        yes.disabled = true; no.disabled = true; yes.textContent = L.working;
        run(reason ? reason.value.trim() : undefined).then(function (res) {
          if (res.ok) { reload(done); return; }
          yes.disabled = false; no.disabled = false; yes.textContent = withReason ? L.annul_confirm : L.confirm + P.comma + label;
          say(alert, problemText(res));
        });
      });
      box.appendChild(button); box.appendChild(confirmBox); box.appendChild(alert);
      return box;
    }

    // print slips and enrollment codes
    var remaining = slipsLeft(info);
    if (isAdmin() && (state === "draft" || state === "open")) {
      var slipsCount = el("input", { type: "number", id: "slips-count", name: "count", min: "1", max: String(Math.max(1, Math.min(500, remaining))), step: "1", value: String(Math.max(1, Math.min(8, remaining))), required: true, inputmode: "numeric" });
      var keyField = el("input", { type: "hidden", name: "key", value: "" });
      var slipsButton = el("button", { type: "submit", id: "slips-button", text: L.slips_button });
      var leftId = nextId("left");
      slipsCount.setAttribute("aria-describedby", leftId);
      // Code slips (the default) or token slips; a token slip is not stored, so a lost one
      // cannot be voided: the console says so before it is printed.
      var kindName = nextId("kind");
      var tokenNote = el("p", { class: "message", id: "token-note", hidden: true, text: L.token_slip_note });
      var kinds = el("fieldset", { class: "slip-kinds" }, [el("legend", { text: L.slip_kind })].concat(["code", "token"].map(function (k) {
        var input = el("input", { type: "radio", name: "kind", value: k, id: kindName + "-" + k, checked: k === "code" });
        input.addEventListener("change", function () { tokenNote.hidden = k !== "token" || !input.checked; });
        return el("div", { class: "choice" }, [input, el("label", { for: input.id, text: L["slip_kind_" + k] })]);
      })));
      var slipsForm = el("form", { method: "post", action: "/admin/slips/" + encodeURIComponent(id) + langQuery, target: "_blank", id: "slips-form", class: "stack" },
        [keyField, kinds, tokenNote, field(L.slips_count, slipsCount), slipsButton]);
      slipsForm.addEventListener("submit", function () {
        keyField.value = getKey() || "";
        // The key goes with this one post only; the new tab answers with the printable page.
        setTimeout(function () { keyField.value = ""; }, 0);
        timers.push(setTimeout(function () { refreshCounts(); }, 2500));
      });
      nodes.push(section(L.slips, [el("p", { text: L.slips_intro }),
        leftNode = el("p", { class: "help", id: leftId, text: t("slips_left", { n: remaining, electorate: info.electorate, slips: info.slips || 0, codes: info.codes || 0 }) }), slipsForm, alertBox()], { id: "slips" }));

      var codesCount = el("input", { type: "number", id: "codes-count", min: "1", max: String(Math.max(1, Math.min(500, remaining))), step: "1", value: String(Math.max(1, Math.min(8, remaining))), required: true, inputmode: "numeric" });
      countInputs = [slipsCount, codesCount];
      var codesButton = el("button", { type: "submit", id: "codes-button", text: L.codes_button });
      var codesAlert = alertBox();
      var codesForm = el("form", { id: "codes-form", class: "inline-form" }, [field(L.codes_count, codesCount), codesButton]);
      codesForm.addEventListener("submit", function (e) {
        e.preventDefault();
        var n = parseInt(codesCount.value, 10);
        codesButton.disabled = true; say(codesAlert, "");
        apiRetry("POST", path + "/enrollment-codes", { count: n }).then(function (res) {
          codesButton.disabled = false;
          if (!res.ok || !res.data) { say(codesAlert, problemText(res)); return; }
          cards = { id: id, title: info.title, community: info.community, codes: res.data.codes || [], batch: res.data.batch, fresh: true };
          reload(null);
        });
      });
      nodes.push(section(L.codes, [el("p", { text: L.codes_intro }), codesForm, codesAlert], { id: "codes" }));
      // Every issuance as a batch; a lost batch of code slips is voided and printed again.
      nodes.push(batchesSection(UI, path, { isAdmin: isAdmin(), actionControl: actionControl,
        onVoided: function (batch) { if (cards && cards.batch === batch) cards = null; } }));
      if (cards && cards.id === id && cards.codes.length) nodes.push(cardsSection());
    }

    // publicity and what still blocks final results
    if (state === "preliminary") {
      var until = info.publicity_until ? new Date(info.publicity_until) : null;
      var blockers = [];
      if (until && Date.now() < until.getTime()) blockers.push(t("publicity_blocked", { date: formatDate(info.publicity_until) }));
      if (info.appeals_pending > 0) blockers.push(t("appeals_blocking", { n: info.appeals_pending }));
      if (info.republication_due) blockers.push(L.republication_due);
      nodes.push(section(L.publicity, [
        info.publicity_until ? el("p", { text: t("publicity_until", { date: formatDate(info.publicity_until) }) }) : null,
        el("ul", { class: "blockers", id: "blockers" }, (blockers.length ? blockers : [L.ready_final]).map(function (b) {
          return el("li", { class: blockers.length ? "blocked" : "ready", text: b });
        }))
      ], { id: "publicity" }));
    }

    // appeals
    var resultsStage = state === "preliminary" || state === "final" || (state === "annulled" && info.preliminary_at);
    if (resultsStage) {
      var appealsBox = el("div", { id: "appeals-list" }, [el("p", { role: "status", text: L.loading })]);
      var appealNodes = [appealsBox];
      if (state === "preliminary" && (who.role === "admin" || who.role === "reviewer" || who.role === "operator")) {
        var subjectSelect = el("select", { id: "appeal-subject" }, [el("option", { value: "", text: L.appeal_whole })]);
        var groups = [["member", L.members], ["organization", L.branches]];
        groups.forEach(function (g) {
          var list = (info.subjects || []).filter(function (s) { return s.kind === g[0]; });
          if (!list.length) return;
          subjectSelect.appendChild(el("optgroup", { label: g[1] }, list.map(function (s) {
            return el("option", { value: s.id, text: s.name + (s.organization_name ? P.open + s.organization_name + P.close : "") });
          })));
        });
        var appealText = el("textarea", { id: "appeal-text", rows: "4", maxlength: "2000", required: true });
        var fileButton = el("button", { type: "submit", id: "file-appeal", text: L.file_button });
        var fileAlert = alertBox();
        var fileForm = el("form", { id: "appeal-form", class: "stack" }, [el("h3", { text: L.file_appeal }),
          field(L.appeal_subject, subjectSelect), field(L.appeal_text, appealText), fileButton, fileAlert]);
        fileForm.addEventListener("submit", function (e) {
          e.preventDefault();
          var body = { text: appealText.value.trim() };
          if (!body.text) { appealText.focus(); return; }
          if (subjectSelect.value) body.subject = subjectSelect.value;
          fileButton.disabled = true; say(fileAlert, "");
          apiRetry("POST", path + "/appeals", body).then(function (res) {
            fileButton.disabled = false;
            if (!res.ok) { say(fileAlert, problemText(res)); return; }
            reload(L.appeal_saved);
          });
        });
        appealNodes.push(fileForm);
      }
      var appealsSection = section(L.appeals, appealNodes, { id: "appeals" });
      nodes.push(appealsSection);
      // The appeals, the published results (each appeal shows its subject's current result)
      // and the star labels of the rules, for the remedies.
      Promise.all([api("GET", path + "/appeals"), api("GET", path + "/results"), api("GET", path + "/definition")]).then(function (got) {
        var res = got[0];
        published = got[1].ok ? got[1].data : null;
        var rules = got[2].ok && got[2].data ? got[2].data.rules || {} : {};
        ui.starLabels = {};
        (rules.member_stars || []).concat(rules.organization_stars || []).forEach(function (s) { ui.starLabels[s.star] = s.label; });
        appealsBox.textContent = "";
        if (!res.ok) { appealsBox.appendChild(el("p", { class: "message error", role: "alert", text: problemText(res) })); return; }
        var list = (res.data && res.data.appeals) || [];
        if (!list.length) appealsBox.appendChild(el("p", { text: L.no_appeals }));
        else appealsBox.appendChild(el("ol", { class: "appeals" }, list.map(appealItem)));
        // The street's veto, while the results are preliminary.
        var veto = state === "preliminary" && isAdmin() ? vetoSection(ui, info, published, reload) : null;
        if (veto) appealsSection.parentNode.insertBefore(veto, appealsSection.nextSibling);
      });
      // After a remedy changed the results, the admin publishes them again before final.
      if (state === "preliminary" && isAdmin() && actionsSection && info.republication_due) {
        actionsSection.insertBefore(actionControl(L.republish_pre, L.republish_pre_q, function () {
          return apiRetry("POST", path + "/publish", { stage: "preliminary" });
        }, L.republished_pre), actionsSection.children[1] || null);
      }
    }
    var published = null;
    var ui = Object.assign({}, UI, { starLabels: {}, path: path });
    /** A remedy the API reports, in words. */
    function remedyWords(r) {
      var R = REMEDY_TEXT[lang];
      var names = {};
      (info.subjects || []).forEach(function (s) { names[s.id] = s.name; });
      if (r.kind === "withhold") return R.remedy_withhold.replace(/（.*|\(.*/, "") + P.colon + (names[r.subject] || r.subject) + " · " + (ui.starLabels[r.star] || r.star) + P.colon + r.reason;
      if (r.kind === "correct") return R.remedy_correct.replace(/（.*|\(.*/, "") + P.colon + [r.name, r.organization ? names[r.organization] || r.organization : null].filter(Boolean).join(P.comma);
      if (r.kind === "revote") return R.remedy_revote.replace(/：.*|:.*/, "") + P.colon + (r.subjects || []).map(function (s) { return names[s] || s; }).join(P.comma);
      return R.remedy_annul + P.colon + r.reason;
    }
    // 申诉 1, not a-1: the id is for the API.
    function appealName(id) { return t("appeal_number", { n: String(id).replace(/^a-/, "") }); }
    function appealItem(a) {
      var outcome = a.outcome === "upheld" ? L.outcome_upheld : a.outcome === "dismissed" ? L.outcome_rejected : L.outcome_pending;
      var item = el("li", { class: "appeal" + (a.outcome ? "" : " pending"), "data-appeal": a.id }, [
        el("p", { class: "appeal-head" }, [el("strong", { text: appealName(a.id) }), " · ",
          el("span", { text: a.subject ? (a.subject_name || a.subject) : L.appeal_whole }), " · ",
          el("span", { text: t("appeal_filed", { date: formatDate(a.filed_at) }) }), " · ",
          el("span", { class: "outcome " + (a.outcome || "pending"), text: L.appeal_outcome + P.colon + outcome })]),
        el("p", { class: "appeal-text", text: a.text }),
        el("p", { class: "appeal-current help", text: currentResult(ui, published, a.subject) }),
        a.note ? el("p", { class: "appeal-note", text: L.appeal_note + P.colon + a.note }) : null,
        a.remedy ? el("p", { class: "appeal-remedy", text: REMEDY_TEXT[lang].remedy + P.colon + remedyWords(a.remedy) }) : null
      ]);
      if (!a.outcome && state === "preliminary") {
        if (isReviewer()) {
          // No outcome is chosen for the reviewer: the decision is theirs to make.
          var out = el("select", { id: nextId("outcome"), required: true }, [el("option", { value: "", text: L.match_choose }),
            el("option", { value: "upheld", text: L.resolve_upheld }), el("option", { value: "dismissed", text: L.resolve_rejected })]);
          var noteInput = el("textarea", { id: nextId("note"), rows: "3", maxlength: "2000", required: true });
          var button = el("button", { type: "submit", class: "resolve-button", text: L.resolve_button });
          var alert = alertBox();
          // Upheld needs a remedy (SPEC §6): the fieldset appears when 支持 is chosen.
          var remedy = remedyFieldset(ui, info, published, a);
          out.addEventListener("change", function () { remedy.node.hidden = out.value !== "upheld"; });
          var form = el("form", { class: "resolve stack", "aria-label": L.resolve + P.colon + (a.subject_name || L.appeal_whole) + " · " + appealName(a.id) }, [field(L.resolve_outcome, out), remedy.node, field(L.appeal_note, noteInput), button, alert]);
          form.addEventListener("submit", function (e) {
            e.preventDefault();
            if (!out.value) { out.focus(); return; }
            var body = { outcome: out.value, note: noteInput.value.trim() };
            if (out.value === "upheld") {
              var chosen = remedy.remedy();
              if (chosen.focus) { chosen.focus.focus(); say(alert, REMEDY_TEXT[lang].remedy + "？"); return; }
              body.remedy = chosen;
            }
            if (!body.note) { noteInput.focus(); return; }
            button.disabled = true; say(alert, "");
            apiRetry("POST", path + "/appeals/" + encodeURIComponent(a.id) + "/resolution", body).then(function (res) {
              button.disabled = false;
              if (!res.ok) { say(alert, problemText(res)); return; }
              reload(L.resolved);
            });
          });
          item.appendChild(form);
        } else item.appendChild(el("p", { class: "help", text: L.only_reviewer }));
      }
      return item;
    }

    // downloads
    if (resultsStage || state === "annulled") {
      var dl = el("div", { id: "downloads-body" }, [el("p", { role: "status", text: L.loading })]);
      nodes.push(section(L.downloads, [dl], { id: "downloads" }));
      api("GET", path + "/results").then(function (res) {
        dl.textContent = "";
        if (!res.ok) { dl.appendChild(el("p", { class: "message", role: "status", text: problemText(res) })); return; }
        var items = [
          el("li", {}, [el("a", { href: "/api/v1" + path + "/results.xlsx", download: id + ".xlsx", id: "dl-xlsx", text: L.results_xlsx })]),
          el("li", {}, [el("a", { href: "/api/v1" + path + "/results.csv", download: id + ".csv", id: "dl-csv", text: L.results_csv })]),
          el("li", {}, [el("a", { href: "/board/" + encodeURIComponent(id) + langQuery, id: "dl-board", text: L.board_pdf })])
        ];
        dl.appendChild(el("ul", { class: "downloads" }, items));
        // The board's charts, drawn by the server (SVG with its own title and description).
        ["members", "organizations"].forEach(function (kind) {
          var figure = el("figure", { class: "chart-figure", id: "chart-" + kind });
          dl.appendChild(figure);
          fetch("/board/" + encodeURIComponent(id) + "/charts/" + kind + ".svg" + langQuery).then(function (r) {
            return r.ok ? r.text() : "";
          }).then(function (svg) { if (svg.indexOf("<svg") === 0) figure.innerHTML = svg; });
        });
        if (isReviewer()) {
          var bundleButton = el("button", { type: "button", id: "bundle-button", text: L.bundle_button });
          var bundleAlert = alertBox(), bundleStatus = el("p", { role: "status", class: "help" });
          bundleButton.addEventListener("click", function () {
            bundleButton.disabled = true; say(bundleAlert, ""); say(bundleStatus, L.downloading);
            api("GET", path + "/bundle", null, { blob: true }).then(function (r) {
              bundleButton.disabled = false;
              if (!r.ok) { say(bundleStatus, ""); say(bundleAlert, problemText(r)); return; }
              var url = URL.createObjectURL(r.blob);
              var a = el("a", { href: url, download: id + "-bundle.tar", class: "visually-hidden", tabindex: "-1", "aria-hidden": "true", text: L.bundle });
              document.body.appendChild(a);
              a.click();
              a.remove();
              setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
              say(bundleStatus, L.bundle_done);
            });
          });
          dl.appendChild(el("div", { class: "stack" }, [el("h3", { text: L.bundle }), bundleButton, bundleAlert, bundleStatus]));
        }
      });
    }

    // 作废 apart from the next step, at the end, and plainly dangerous.
    if (isAdmin() && state !== "final" && state !== "annulled") {
      nodes.push(section(L.danger_zone, [el("p", { class: "help", text: L.annul_help }),
        actionControl(L.annul, L.annul_q, function (reason) { return apiRetry("POST", path + "/annul", { reason: reason }); }, L.annulled, true)],
        { id: "danger", class: "danger-zone" }));
    }

    // links
    nodes.push(section(L.links, [el("ul", { class: "downloads" }, [
      el("li", {}, [el("a", { href: "/board/" + encodeURIComponent(id) + langQuery, id: "board-link", text: L.board })]),
      el("li", {}, [el("a", { href: "/api/v1" + path + "/definition.yaml", download: id + ".yaml", id: "definition-link", text: L.definition_yaml })]),
      el("li", {}, [el("a", { href: "#/", text: L.back_home })])
    ])], { id: "links" }));

    var h1 = page(info.title, nodes, { keepFocus: true });
    var cardsShown = cards && cards.id === id && cards.codes.length && document.getElementById("cards");
    if (cardsShown) document.body.classList.add("print-cards");
    if (cardsShown && cards.fresh) { cards.fresh = false; var ch = cardsShown.querySelector("h2"); ch.setAttribute("tabindex", "-1"); ch.focus(); }
    else if (flashNode) flashNode.focus(); else h1.focus();

    function refreshCounts() {
      api("GET", path).then(function (res) {
        if (myGen !== gen || !res.ok || !res.data) return;
        if (res.data.state !== state) { renderEvaluation(res.data, null, true); return; }
        showTurnout(res.data);
      });
    }
    if (state === "open") timers.push(setInterval(refreshCounts, 5000));
    if (state !== "final" && state !== "annulled") onReturn = refreshCounts;
  }

  function groupCode(c) { return String(c).replace(/[^A-Za-z0-9]/g, "").replace(/(.{4})(?=.)/g, "$1-"); }
  function cardsSection() {
    var address = baseURL + "/vote/" + cards.id;
    var printButton = el("button", { type: "button", id: "print-cards", class: "primary", text: L.print });
    printButton.addEventListener("click", function () { window.print(); });
    var grid = el("div", { class: "code-cards" }, cards.codes.map(function (c, i) {
      return el("div", { class: "code-card" }, [
        el("p", { class: "card-title", text: cards.title }),
        cards.community ? el("p", { class: "card-sub", text: cards.community }) : null,
        el("p", { class: "card-label", text: L.vote_address }),
        el("p", { class: "card-url", text: address }),
        el("p", { class: "card-label", text: L.code }),
        el("p", { class: "card-code", text: groupCode(c) }),
        el("p", { class: "card-instruction", text: L.card_instruction }),
        el("p", { class: "card-number", text: "No. " + (i + 1) })
      ]);
    }));
    return section(L.cards, [el("p", { class: "message noprint", text: t("codes_made", { n: cards.codes.length }) }), printButton, grid], { id: "cards" });
  }

  // ---- start ----
  window.addEventListener("hashchange", route);
  var saved = getKey();
  if (!saved) { signInPage(); return; }
  root.textContent = "";
  root.appendChild(el("p", { role: "status", text: L.loading }));
  api("GET", "/whoami").then(function (res) {
    if (res.ok && res.data && res.data.role) { who = res.data; route(); return; }
    if (res.status === 401 || res.status === 403) { setKey(null); signInPage(L.key_expired); return; }
    signInPage(problemText(res));
  });
})();
