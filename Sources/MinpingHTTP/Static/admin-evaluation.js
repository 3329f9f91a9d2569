// One evaluation: its state and turnout (kept current while voting is open), the next step the
// state allows (each confirmed before it is sent), slips and codes, the publicity period and
// what still blocks final results, appeals, downloads, annulment and links. The buttons offered
// follow the state and the signed-in role; the API decides.
import { L, P, t, stateName, langQuery } from "./admin-text.js";
import { el, field, section, alertBox, say, formatDate, nextId, UI } from "./admin-ui.js";
import { api, apiRetry, problemText } from "./admin-api.js";
import { getKey, csrfToken, isAdmin, isReviewer } from "./admin-session.js";
import { root, page, handoff, generation, clearTimers, keepTimer, whenBack } from "./admin-router.js";
import { issuingSections } from "./admin-slips.js";
import { appealsSection } from "./admin-appeals.js";
import { drillSection } from "./admin-drill.js";

const baseURL = ((root && root.getAttribute("data-base")) || location.origin).replace(/\/+$/, "");

export function evaluationPage(id) {
  const path = "/evaluations/" + encodeURIComponent(id);
  const status = el("p", { role: "status", text: L.loading });
  const note = handoff.flash; handoff.flash = null;
  page(id, [status]);
  const myGen = generation();
  api("GET", path).then(function (res) {
    if (myGen !== generation()) return;
    if (!res.ok) {
      status.className = "message error"; status.setAttribute("role", "alert");
      say(status, res.code === "not_found" ? L.not_found_eval : problemText(res));
      root.appendChild(el("p", {}, [el("a", { href: "#/", text: L.back_home })]));
      return;
    }
    renderEvaluation(res.data, note);
  });
}

function renderEvaluation(info, note) {
  clearTimers();
  const id = info.id, path = "/evaluations/" + encodeURIComponent(id);
  const state = info.state;
  const myGen = generation();
  function reload(message) {
    api("GET", path).then(function (res) {
      if (myGen === generation() && res.ok) renderEvaluation(res.data, message);
    });
  }

  // status and turnout
  const turnoutText = el("p", { id: "turnout", class: "turnout-text", "aria-live": "polite" });
  const bar = el("progress", { id: "turnout-bar", max: String(info.electorate || 1), value: "0", "aria-label": L.console_turnout });
  const stateBadge = el("span", { class: "state state-" + state, id: "state", text: stateName(state) });
  let issuing = null;
  function showTurnout(x) {
    if (issuing) issuing.showLeft(x);
    const percent = x.electorate ? Math.round(x.ballots * 1000 / x.electorate) / 10 : 0;
    const text = t("turnout_text", { ballots: x.ballots, issued: x.issued, electorate: x.electorate, percent: percent });
    if (turnoutText.textContent !== text) turnoutText.textContent = text;
    bar.setAttribute("max", String(x.electorate || 1));
    bar.setAttribute("value", String(x.ballots || 0));
    bar.setAttribute("aria-valuetext", text);
  }
  showTurnout(info);
  const flashNode = note ? el("p", { class: "message ok", role: "status", tabindex: "-1", id: "flash", text: note }) : null;
  const nodes = [
    el("p", { class: "sub", text: t("eval_meta", { community: info.community ? info.community + " · " : "", id: id, street: info.street_name || L.street + " " + info.street }) }),
    flashNode,
    handoff.createdId === id && note === L.created ? el("p", { class: "message" }, [el("a", { href: "/api/v1" + path + "/definition.yaml", download: id + ".yaml", text: L.definition_yaml })]) : null,
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
  const steps = [];
  if (isAdmin()) {
    if (state === "draft") steps.push(actionControl(L.open, L.open_q, function () { return apiRetry("POST", path + "/open", {}); }, L.opened));
    if (state === "open") steps.push(actionControl(L.close, L.close_q, function () { return apiRetry("POST", path + "/close", {}); }, L.closed));
    if (state === "closed") steps.push(actionControl(L.publish_pre, L.publish_pre_q, function () { return apiRetry("POST", path + "/publish", { stage: "preliminary" }); }, L.published_pre));
    if (state === "preliminary") steps.push(actionControl(L.publish_final, L.publish_final_q, function () { return apiRetry("POST", path + "/publish", { stage: "final" }); }, L.published_final));
  } else if (state !== "final" && state !== "annulled") steps.push(el("p", { class: "help", text: L.only_admin }));
  const actionsSection = steps.length ? section(L.actions, steps, { id: "actions" }) : null;
  if (actionsSection) nodes.push(actionsSection);

  /** A button that asks before it acts (and for a reason, to annul); `done` is said after. */
  function actionControl(label, question, run, done, withReason) {
    const box = el("div", { class: "action" });
    const button = el("button", { type: "button", class: withReason ? "danger" : "", "data-action": label, text: label });
    const confirmBox = el("div", { class: "confirm", hidden: true, role: "group", "aria-label": label });
    const reason = withReason ? el("textarea", { id: nextId("reason"), rows: "3", maxlength: "1000", required: true }) : null;
    const yes = el("button", { type: "button", class: "primary confirm-yes", text: withReason ? L.annul_confirm : L.confirm + P.comma + label });
    const no = el("button", { type: "button", class: "confirm-no", text: L.cancel });
    const alert = alertBox();
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
  if (isAdmin() && (state === "draft" || state === "open")) {
    issuing = issuingSections(UI, info, { path: path, key: getKey, csrf: csrfToken, langQuery: langQuery, baseURL: baseURL, handoff: handoff,
      actionControl: actionControl, reload: reload,
      refreshSoon: function () { keepTimer(setTimeout(function () { refreshCounts(); }, 2500)); } });
    issuing.sections.forEach(function (s) { nodes.push(s); });
    nodes.push(drillSection(baseURL));
  }

  // 测评大会: the tellers' desk for the paper forms, while voting is open.
  if (isAdmin() && state === "open") {
    nodes.push(section(L.desk_title, [el("p", { class: "help", text: L.desk_link_help }),
      el("p", {}, [el("a", { class: "button", id: "desk-link", href: "#/count/" + encodeURIComponent(id), text: L.desk_open })])], { id: "desk-section" }));
  }

  // 两级测评: from a level-1 evaluation (members rated, no cadres), its level 2 (members rate
  // the community's cadres) in the same community and round.
  const kinds = (info.subjects || []).map(function (s) { return s.kind; });
  if (isAdmin() && state !== "annulled" && kinds.indexOf("member") >= 0 && kinds.indexOf("cadre") < 0) {
    const secondButton = el("button", { type: "button", id: "second-level", text: L.second_level });
    secondButton.addEventListener("click", function () {
      secondButton.disabled = true;
      api("GET", path + "/definition").then(function (res) {
        secondButton.disabled = false;
        const d = res.ok && res.data ? res.data : {};
        handoff.secondLevel = { id: id + "-2", title: t("second_level_title", { title: info.title }), community: info.community,
          round: d.round, notice: d.notice, electorate: kinds.filter(function (k) { return k === "member"; }).length };
        location.hash = "#/new";
      });
    });
    nodes.push(section(L.level_heading, [el("p", { class: "help", text: L.level_2_help }), secondButton], { id: "second-level-section" }));
  }

  // publicity and what still blocks final results
  if (state === "preliminary") {
    const until = info.publicity_until ? new Date(info.publicity_until) : null;
    const blockers = [];
    if (until && Date.now() < until.getTime()) blockers.push(t("publicity_blocked", { date: formatDate(info.publicity_until) }));
    if (info.appeals_pending > 0) blockers.push(t("appeals_blocking", { n: info.appeals_pending }));
    if (info.republication_due) blockers.push(L.console_republication_due);
    nodes.push(section(L.publicity, [
      info.publicity_until ? el("p", { text: t("console_publicity_until", { date: formatDate(info.publicity_until) }) }) : null,
      el("ul", { class: "blockers", id: "blockers" }, (blockers.length ? blockers : [L.ready_final]).map(function (b) {
        return el("li", { class: blockers.length ? "blocked" : "ready", text: b });
      }))
    ], { id: "publicity" }));
  }

  // appeals
  const resultsStage = state === "preliminary" || state === "final" || (state === "annulled" && info.preliminary_at);
  if (resultsStage) {
    nodes.push(appealsSection(info, Object.assign({}, UI, { starLabels: {}, path: path }), reload));
    // After a remedy changed the results, the admin publishes them again before final.
    if (state === "preliminary" && isAdmin() && actionsSection && info.republication_due) {
      actionsSection.insertBefore(actionControl(L.republish_pre, L.republish_pre_q, function () {
        return apiRetry("POST", path + "/publish", { stage: "preliminary" });
      }, L.republished_pre), actionsSection.children[1] || null);
    }
  }

  // downloads
  if (resultsStage || state === "annulled") {
    const dl = el("div", { id: "downloads-body" }, [el("p", { role: "status", text: L.loading })]);
    nodes.push(section(L.downloads, [dl], { id: "downloads" }));
    api("GET", path + "/results").then(function (res) {
      dl.textContent = "";
      if (!res.ok) { dl.appendChild(el("p", { class: "message", role: "status", text: problemText(res) })); return; }
      const items = [
        el("li", {}, [el("a", { href: "/api/v1" + path + "/results.xlsx", download: id + ".xlsx", id: "dl-xlsx", text: L.results_xlsx })]),
        el("li", {}, [el("a", { href: "/api/v1" + path + "/results.csv", download: id + ".csv", id: "dl-csv", text: L.results_csv })]),
        el("li", {}, [el("a", { href: "/board/" + encodeURIComponent(id) + langQuery, id: "dl-board", text: L.board_pdf })])
      ];
      dl.appendChild(el("ul", { class: "downloads" }, items));
      // The board's charts, drawn by the server (SVG with its own title and description).
      ["members", "organizations"].forEach(function (kind) {
        const figure = el("figure", { class: "chart-figure", id: "chart-" + kind });
        dl.appendChild(figure);
        fetch("/board/" + encodeURIComponent(id) + "/charts/" + kind + ".svg" + langQuery).then(function (r) {
          return r.ok ? r.text() : "";
        }).then(function (svg) { if (svg.indexOf("<svg") === 0) figure.innerHTML = svg; });
      });
      if (isReviewer()) dl.appendChild(bundleDownload(id, path));
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

  const h1 = page(info.title, nodes, { keepFocus: true });
  const cards = handoff.cards;
  const cardsShown = cards && cards.id === id && cards.codes.length && document.getElementById("cards");
  if (cardsShown) document.body.classList.add("print-cards");
  if (cardsShown && cards.fresh) { cards.fresh = false; const ch = cardsShown.querySelector("h2"); ch.setAttribute("tabindex", "-1"); ch.focus(); }
  else if (flashNode) flashNode.focus(); else h1.focus();

  function refreshCounts() {
    api("GET", path).then(function (res) {
      if (myGen !== generation() || !res.ok || !res.data) return;
      if (res.data.state !== state) { renderEvaluation(res.data, null); return; }
      showTurnout(res.data);
    });
  }
  if (state === "open") keepTimer(setInterval(refreshCounts, 5000));
  if (state !== "final" && state !== "annulled") whenBack(refreshCounts);
}

/** The reviewer's bundle needs the session (or the key): fetched by the API client, saved through a blob: URL. */
function bundleDownload(id, path) {
  const bundleButton = el("button", { type: "button", id: "bundle-button", text: L.bundle_button });
  const bundleAlert = alertBox(), bundleStatus = el("p", { role: "status", class: "help" });
  bundleButton.addEventListener("click", function () {
    bundleButton.disabled = true; say(bundleAlert, ""); say(bundleStatus, L.downloading);
    api("GET", path + "/bundle", null, { blob: true }).then(function (r) {
      bundleButton.disabled = false;
      if (!r.ok) { say(bundleStatus, ""); say(bundleAlert, problemText(r)); return; }
      const url = URL.createObjectURL(r.blob);
      const a = el("a", { href: url, download: id + "-bundle.tar", class: "visually-hidden", tabindex: "-1", "aria-hidden": "true", text: L.bundle });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      say(bundleStatus, L.bundle_done);
    });
  });
  // The browser verifier, in this tab so that it fetches with this sign-in (the key or the session).
  const verifyLink = el("a", { href: "/verify/" + encodeURIComponent(id), id: "verify-link", text: L.bundle_verify_link });
  return el("div", { class: "stack" }, [el("h3", { text: L.bundle }), bundleButton, bundleAlert, bundleStatus, el("p", {}, [verifyLink])]);
}
