// An evaluation's appeals, once results are public: the list with each subject's current
// result, the form to file one, the reviewer's resolution with its remedy (admin-remedies.js),
// and the street's veto for an admin while the results are preliminary.
import { L, P, t } from "./admin-text.js";
import { el, field, section, alertBox, say, formatDate, nextId } from "./admin-ui.js";
import { api, apiRetry, problemText } from "./admin-api.js";
import { whoami, isAdmin, isReviewer } from "./admin-session.js";
import { currentResult, withWithholdings, remedyFieldset, vetoSection } from "./admin-remedies.js";

// 申诉 1, not a-1: the id is for the API.
function appealName(id) { return t("appeal_number", { n: String(id).replace(/^a-/, "") }); }

/**
 * The 申诉 section of `info`. `ui` is the view helpers with this evaluation's `path` and a
 * `starLabels` object (filled here from the rules); `reload(message)` draws the page again.
 */
export function appealsSection(info, ui, reload) {
  const state = info.state, path = ui.path;
  let published = null;
  const appealsBox = el("div", { id: "appeals-list" }, [el("p", { role: "status", text: L.loading })]);
  const appealNodes = [appealsBox];
  const who = whoami();
  if (state === "preliminary" && (who.role === "admin" || who.role === "reviewer" || who.role === "operator")) {
    const subjectSelect = el("select", { id: "appeal-subject" }, [el("option", { value: "", text: L.appeal_whole })]);
    const groups = [["member", L.console_members], ["organization", L.branches]];
    groups.forEach(function (g) {
      const list = (info.subjects || []).filter(function (s) { return s.kind === g[0]; });
      if (!list.length) return;
      subjectSelect.appendChild(el("optgroup", { label: g[1] }, list.map(function (s) {
        return el("option", { value: s.id, text: s.name + (s.organization_name ? P.open + s.organization_name + P.close : "") });
      })));
    });
    const appealText = el("textarea", { id: "appeal-text", rows: "4", maxlength: "2000", required: true });
    const fileButton = el("button", { type: "submit", id: "file-appeal", text: L.file_button });
    const fileAlert = alertBox();
    const fileForm = el("form", { id: "appeal-form", class: "stack" }, [el("h3", { text: L.file_appeal }),
      field(L.appeal_subject, subjectSelect), field(L.appeal_text, appealText), fileButton, fileAlert]);
    fileForm.addEventListener("submit", function (e) {
      e.preventDefault();
      const body = { text: appealText.value.trim() };
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
  const node = section(L.appeals, appealNodes, { id: "appeals" });
  // The appeals, the published results (each appeal shows its subject's current result)
  // and the star labels of the rules, for the remedies.
  Promise.all([api("GET", path + "/appeals"), api("GET", path + "/results"), api("GET", path + "/definition")]).then(function (got) {
    const res = got[0];
    // Stars withheld since the last publication are no longer the subject's to lose.
    published = withWithholdings(got[1].ok ? got[1].data : null, (res.ok && res.data && res.data.withheld) || []);
    const rules = got[2].ok && got[2].data ? got[2].data.rules || {} : {};
    ui.starLabels = {};
    (rules.member_stars || []).concat(rules.organization_stars || []).forEach(function (s) { ui.starLabels[s.star] = s.label; });
    appealsBox.textContent = "";
    if (!res.ok) { appealsBox.appendChild(el("p", { class: "message error", role: "alert", text: problemText(res) })); return; }
    const list = (res.data && res.data.appeals) || [];
    if (!list.length) appealsBox.appendChild(el("p", { text: L.console_no_appeals }));
    else appealsBox.appendChild(el("ol", { class: "appeals" }, list.map(appealItem)));
    // The street's veto, while the results are preliminary.
    const veto = state === "preliminary" && isAdmin() ? vetoSection(ui, info, published, reload) : null;
    if (veto) node.parentNode.insertBefore(veto, node.nextSibling);
  });

  /** A remedy the API reports, in words. */
  function remedyWords(r) {
    const names = {};
    (info.subjects || []).forEach(function (s) { names[s.id] = s.name; });
    if (r.kind === "withhold") return L.remedy_withhold.replace(/（.*|\(.*/, "") + P.colon + (names[r.subject] || r.subject) + " · " + (ui.starLabels[r.star] || r.star) + P.colon + r.reason;
    if (r.kind === "correct") return L.remedy_correct.replace(/（.*|\(.*/, "") + P.colon + [r.name, r.organization ? names[r.organization] || r.organization : null].filter(Boolean).join(P.comma);
    if (r.kind === "revote") return L.remedy_revote.replace(/：.*|:.*/, "") + P.colon + (r.subjects || []).map(function (s) { return names[s] || s; }).join(P.comma);
    return L.remedy_annul + P.colon + r.reason;
  }

  function appealItem(a) {
    const outcome = a.outcome === "upheld" ? L.outcome_upheld : a.outcome === "dismissed" ? L.outcome_rejected : L.outcome_pending;
    const item = el("li", { class: "appeal" + (a.outcome ? "" : " pending"), "data-appeal": a.id }, [
      el("p", { class: "appeal-head" }, [el("strong", { text: appealName(a.id) }), " · ",
        el("span", { text: a.subject ? (a.subject_name || a.subject) : L.appeal_whole }), " · ",
        el("span", { text: t("appeal_filed", { date: formatDate(a.filed_at) }) }), " · ",
        el("span", { class: "outcome " + (a.outcome || "pending"), text: L.appeal_outcome + P.colon + outcome })]),
      el("p", { class: "appeal-text", text: a.text }),
      el("p", { class: "appeal-current help", text: currentResult(ui, published, a.subject) }),
      a.note ? el("p", { class: "appeal-note", text: L.appeal_note + P.colon + a.note }) : null,
      a.remedy ? el("p", { class: "appeal-remedy", text: L.remedy + P.colon + remedyWords(a.remedy) }) : null
    ]);
    if (!a.outcome && state === "preliminary") {
      if (isReviewer()) item.appendChild(resolveForm(a));
      else item.appendChild(el("p", { class: "help", text: L.only_reviewer }));
    }
    return item;
  }

  function resolveForm(a) {
    // No outcome is chosen for the reviewer: the decision is theirs to make.
    const out = el("select", { id: nextId("outcome"), required: true }, [el("option", { value: "", text: L.match_choose }),
      el("option", { value: "upheld", text: L.resolve_upheld }), el("option", { value: "dismissed", text: L.resolve_rejected })]);
    const noteInput = el("textarea", { id: nextId("note"), rows: "3", maxlength: "2000", required: true });
    const button = el("button", { type: "submit", class: "resolve-button", text: L.resolve_button });
    const alert = alertBox();
    // Upheld needs a remedy (SPEC §6): the fieldset appears when 支持 is chosen.
    const remedy = remedyFieldset(ui, info, published, a);
    out.addEventListener("change", function () { remedy.node.hidden = out.value !== "upheld"; });
    const form = el("form", { class: "resolve stack", "aria-label": L.resolve + P.colon + (a.subject_name || L.appeal_whole) + " · " + appealName(a.id) }, [field(L.resolve_outcome, out), remedy.node, field(L.appeal_note, noteInput), button, alert]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!out.value) { out.focus(); return; }
      const body = { outcome: out.value, note: noteInput.value.trim() };
      if (out.value === "upheld") {
        const chosen = remedy.remedy();
        if (chosen.focus) { chosen.focus.focus(); say(alert, L.remedy + "？"); return; }
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
    return form;
  }

  return node;
}
