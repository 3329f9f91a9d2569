// The console's remedies (SPEC §6): what a reviewer decides when an appeal is upheld, and the
// street's own veto (一票否决). An ES module with no state of its own: the appeals view passes
// the DOM helpers and the label catalogue in `ui` (admin-ui.js, UI), and gets back form parts
// whose `remedy()` builds the request body's remedy (or names the control to fix). The API
// checks everything again.

/**
 * The published results with the stars withheld since (by an appeal or the veto, listed by
 * GET /appeals as `withheld`) taken out of `stars` and kept in `pending_withheld`: what the
 * subject holds now, which is what a remedy can still act on.
 */
export function withWithholdings(results, withheld) {
  if (!results) return results;
  return Object.assign({}, results, { subjects: (results.subjects || []).map(function (s) {
    const gone = withheld.filter(function (w) { return w.subject === s.id && (s.stars || []).indexOf(w.star) >= 0; })
      .map(function (w) { return w.star; });
    if (!gone.length) return s;
    return Object.assign({}, s, { stars: s.stars.filter(function (star) { return gone.indexOf(star) < 0; }), pending_withheld: gone });
  }) });
}

/** The subject's line "满意率 84.6%，群众评星：★群众认可星" from the published results. */
export function currentResult(ui, results, subjectID) {
  const L = ui.L;
  const subject = (results && results.subjects || []).find(function (s) { return s.id === subjectID; });
  if (!subject) return L.current_none;
  const stars = (subject.stars || []).map(function (s) { return "★" + (ui.starLabels[s] || s); }).join(" ");
  const pending = (subject.pending_withheld || []).map(function (s) { return ui.starLabels[s] || s; }).join(ui.P.comma);
  return L.current_result + ui.format(L.rate_stars, { rate: subject.rate === null ? "—" : subject.rate + "%", stars: stars || L.no_stars })
    + (pending ? ui.format(L.current_withheld_pending, { stars: pending }) : "");
}

/**
 * The remedy part of a resolution form: one radio per kind, each revealing its fields.
 * Returns { node, remedy() } where remedy() is the body's remedy object, or
 * { focus: control } when a required field is empty.
 */
export function remedyFieldset(ui, info, results, appeal) {
  const L = ui.L, el = ui.el, field = ui.field;
  const subject = (info.subjects || []).find(function (s) { return s.id === appeal.subject; });
  const published = (results && results.subjects || []).find(function (s) { return s.id === appeal.subject; });
  const name = ui.nextId("remedy");
  const parts = {};
  function radio(kind, label, enabled) {
    const input = el("input", { type: "radio", name: name, value: kind, id: ui.nextId("remedy-" + kind), disabled: !enabled });
    return { input: input, node: el("div", { class: "choice" }, [input, el("label", { for: input.id, text: label })]) };
  }
  // withhold: only stars the subject has now
  const stars = published ? published.stars || [] : [];
  const starSelect = el("select", { id: ui.nextId("remedy-star") }, [el("option", { value: "", text: L.choose })]
    .concat(stars.map(function (s) { return el("option", { value: s, text: ui.starLabels[s] || s }); })));
  const reason = el("textarea", { id: ui.nextId("remedy-reason"), rows: "2", maxlength: "500" });
  parts.withhold = { choice: radio("withhold", L.remedy_withhold, !!subject && stars.length > 0),
    fields: el("div", { class: "remedy-fields", hidden: true }, [field(L.remedy_star, starSelect), field(L.remedy_reason, reason)]) };
  // correct
  const nameInput = el("input", { type: "text", id: ui.nextId("remedy-name"), maxlength: "200", value: subject ? subject.name : "" });
  const branch = el("select", { id: ui.nextId("remedy-branch") }, (info.subjects || []).filter(function (s) { return s.kind === "organization"; })
    .map(function (o) { return el("option", { value: o.id, text: o.name, selected: subject && subject.organization === o.id }); }));
  parts.correct = { choice: radio("correct", L.remedy_correct, !!subject),
    fields: el("div", { class: "remedy-fields", hidden: true }, [field(L.remedy_name, nameInput),
      subject && subject.kind === "member" ? field(L.remedy_branch, branch) : null]) };
  // revote
  const boxes = (info.subjects || []).map(function (s) {
    const box = el("input", { type: "checkbox", value: s.id, id: ui.nextId("revote"), checked: s.id === appeal.subject });
    return { box: box, node: el("div", { class: "choice" }, [box, el("label", { for: box.id, text: s.name })]) };
  });
  parts.revote = { choice: radio("revote", L.remedy_revote, true),
    fields: el("div", { class: "remedy-fields", hidden: true }, [
      el("fieldset", { class: "revote-subjects" }, [el("legend", { text: L.remedy_subjects })].concat(boxes.map(function (b) { return b.node; }))),
      el("p", { class: "help", text: ui.format(L.revote_note, { round: (info.round || 1) + 1 }) })]) };
  // annul
  const annulReason = el("textarea", { id: ui.nextId("remedy-annul"), rows: "2", maxlength: "2000" });
  parts.annul = { choice: radio("annul", L.remedy_annul, true),
    fields: el("div", { class: "remedy-fields", hidden: true }, [field(L.remedy_annul_reason, annulReason)]) };

  const kinds = ["withhold", "correct", "revote", "annul"];
  // The radios in a fieldset of their own; the chosen kind's fields below it.
  const node = el("div", { class: "remedy", hidden: true }, [
    el("fieldset", { class: "remedy-kinds" }, [el("legend", { text: L.remedy })].concat(
      subject && !stars.length ? [el("p", { class: "help", text: L.no_star_to_withhold })] : [],
      kinds.map(function (k) { return parts[k].choice.node; })))].concat(kinds.map(function (k) { return parts[k].fields; })));
  kinds.forEach(function (k) {
    parts[k].choice.input.addEventListener("change", function () {
      kinds.forEach(function (other) { parts[other].fields.hidden = other !== k; });
    });
  });

  function chosen() { const c = kinds.find(function (k) { return parts[k].choice.input.checked; }); return c || ""; }
  function remedy() {
    switch (chosen()) {
      case "withhold":
        if (!starSelect.value) return { focus: starSelect };
        if (!reason.value.trim()) return { focus: reason };
        return { kind: "withhold", subject: appeal.subject, star: starSelect.value, reason: reason.value.trim() };
      case "correct": {
        const body = { kind: "correct", subject: appeal.subject };
        if (nameInput.value.trim() && nameInput.value.trim() !== subject.name) body.name = nameInput.value.trim();
        if (subject.kind === "member" && branch.value && branch.value !== subject.organization) body.organization = branch.value;
        if (!body.name && !body.organization) return { focus: nameInput };
        return body;
      }
      case "revote": {
        const ids = boxes.filter(function (b) { return b.box.checked; }).map(function (b) { return b.box.value; });
        if (!ids.length) return { focus: boxes[0].box };
        return { kind: "revote", subjects: ids };
      }
      case "annul":
        if (!annulReason.value.trim()) return { focus: annulReason };
        return { kind: "annul", reason: annulReason.value.trim() };
      default:
        return { focus: parts.withhold.choice.input.disabled ? parts.correct.choice.input : parts.withhold.choice.input };
    }
  }
  return { node: node, remedy: remedy };
}

/** The admin's 一票否决 form: a subject that has a star, the star, a public reason. */
export function vetoSection(ui, info, results, done) {
  const L = ui.L, el = ui.el, field = ui.field;
  const starred = (results && results.subjects || []).filter(function (s) { return (s.stars || []).length; });
  if (!starred.length) return null;
  const subjectSelect = el("select", { id: "veto-subject", required: true }, [el("option", { value: "", text: L.choose })]
    .concat(starred.map(function (s) { return el("option", { value: s.id, text: s.name }); })));
  const starSelect = el("select", { id: "veto-star", required: true }, [el("option", { value: "", text: L.choose })]);
  subjectSelect.addEventListener("change", function () {
    const s = starred.find(function (x) { return x.id === subjectSelect.value; });
    starSelect.textContent = "";
    starSelect.appendChild(el("option", { value: "", text: L.choose }));
    (s ? s.stars : []).forEach(function (star) { starSelect.appendChild(el("option", { value: star, text: ui.starLabels[star] || star })); });
  });
  const reason = el("textarea", { id: "veto-reason", rows: "2", maxlength: "500", required: true });
  const button = el("button", { type: "submit", id: "veto-button", text: L.veto_button });
  const alert = ui.alertBox();
  const form = el("form", { id: "veto-form", class: "stack" }, [field(L.veto_subject, subjectSelect), field(L.remedy_star, starSelect),
    field(L.remedy_reason, reason), button, alert]);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    for (const control of [subjectSelect, starSelect, reason]) if (!control.value.trim()) { control.focus(); return; }
    button.disabled = true; ui.say(alert, "");
    ui.apiRetry("POST", ui.path + "/withholdings", { subject: subjectSelect.value, star: starSelect.value, reason: reason.value.trim() })
      .then(function (res) {
        button.disabled = false;
        if (!res.ok) { ui.say(alert, ui.problemText(res)); return; }
        done(L.veto_done);
      });
  });
  return ui.section(L.veto, [el("p", { text: L.veto_intro }), form], { id: "veto" });
}
