// The new evaluation view: basics, what the printed notices say, 以去年为基础 (last round's
// settings and roster copied, and recorded as the previous round), the counting rules (two
// presets, custom, or the previous round's) and the roster with its preview. Nothing is created
// until 确认创建; the API validates the definition again.
import { L, P, t } from "./admin-text.js";
import { el, field, section, alertBox, statusBox, say } from "./admin-ui.js";
import { api, problemText } from "./admin-api.js";
import { whoami, isAdmin } from "./admin-session.js";
import { page, go, handoff } from "./admin-router.js";
import { homePage } from "./admin-home.js";
import { rosterPart } from "./admin-roster.js";

const STARS = function (m1, m2, o1) {
  return {
    member_stars: [{ star: "recognition", label: "群众认可星", percent: m1 }, { star: "satisfaction", label: "群众满意星", percent: m2 }],
    organization_stars: [{ star: "satisfaction", label: "群众满意星", percent: o1 }]
  };
};
const ZHENHAI_OPTIONS = [
  { id: "satisfied", label: "满意", satisfied: true },
  { id: "basically_satisfied", label: "基本满意" },
  { id: "dissatisfied", label: "不满意" },
  { id: "unknown", label: "不了解", abstain: true }
];
function randomSuffix() {
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789", bytes = new Uint8Array(4);
  let out = "";
  (window.crypto || window.msCrypto).getRandomValues(bytes);
  for (let i = 0; i < 4; i++) out += chars[bytes[i] % chars.length];
  return out;
}
function rulesSummary(rules, options) {
  if (!rules) return "";
  const den = { ballots: L.den_ballots, answers: L.den_answers, electorate: L.den_electorate }[rules.denominator] || rules.denominator;
  const cmp = { above: L.cmp_above, at_least: L.cmp_at_least }[rules.comparison] || rules.comparison;
  const stars = function (list) { return (list || []).map(function (s) { return s.label + " " + s.percent + "%"; }).join(P.comma); };
  const sat = (options || []).filter(function (o) { return o.satisfied; }).map(function (o) { return o.label; }).join("、");
  return [L.denominator + P.colon + den, L.comparison + P.colon + cmp, L.console_members + P.colon + stars(rules.member_stars),
    L.branches + P.colon + stars(rules.organization_stars), sat ? "✓ " + sat : ""].filter(Boolean).join(P.semi);
}

export function newPage() {
  if (!isAdmin()) { handoff.flash = null; return homePage(); }
  const who = whoami();
  const year = new Date().getFullYear();
  let streetEvs = [];
  let previous = null;        // {id, options, rules}
  let idTouched = false;

  const streetInput = who.street ? null : el("input", { type: "text", id: "street", name: "street", required: true, pattern: "[a-z0-9\\-]{1,64}", autocomplete: "off", spellcheck: "false" });
  function street() { return who.street || (streetInput && streetInput.value.trim()) || ""; }
  const idInput = el("input", { type: "text", id: "eval-id", name: "id", required: true, pattern: "[a-z0-9\\-]{1,64}", maxlength: "64", autocomplete: "off", spellcheck: "false" });
  function suggestId() { if (!idTouched) idInput.value = (street() || "street") + "-" + year + "-" + randomSuffix(); }
  suggestId();
  idInput.addEventListener("input", function () { idTouched = true; });
  const titleInput = el("input", { type: "text", id: "eval-title", name: "title", required: true, maxlength: "300", autocomplete: "off" });
  const communityInput = el("input", { type: "text", id: "eval-community", name: "community", maxlength: "200", autocomplete: "off" });
  // The round groups the street's evaluations on its star board: this year unless changed
  // (以去年为基础 keeps this year's, never last year's round).
  const roundInput = el("input", { type: "text", id: "eval-round", name: "round", maxlength: "32", autocomplete: "off", value: String(new Date().getFullYear()) });
  const noticeInputs = {
    date: el("input", { type: "text", id: "notice-date", maxlength: "200", autocomplete: "off" }),
    place: el("input", { type: "text", id: "notice-place", maxlength: "200", autocomplete: "off" }),
    contact: el("input", { type: "text", id: "notice-contact", maxlength: "200", autocomplete: "off" }),
    issuer: el("input", { type: "text", id: "notice-issuer", maxlength: "200", autocomplete: "off" }),
    text: el("textarea", { id: "notice-text", rows: "3", maxlength: "2000" })
  };
  const electorateInput = el("input", { type: "number", id: "eval-electorate", name: "electorate", required: true, min: "1", max: "1000000", step: "1", inputmode: "numeric" });
  const publicityInput = el("input", { type: "number", id: "eval-publicity", name: "publicity_days", required: true, min: "0", max: "365", step: "1", value: "5", inputmode: "numeric" });

  // 两级测评 (SPEC §2 cadres): level 1, resident representatives rate members and branches;
  // level 2, members rate the community's cadres (a roster of 姓名 and 职务). Two evaluations
  // of one community in one round, each with its own electorate and slips.
  const levelBox = el("fieldset", { class: "levels", id: "levels" }, [el("legend", { text: L.level })].concat([1, 2].map(function (n) {
    const input = el("input", { type: "radio", name: "level", id: "level-" + n, value: String(n), checked: n === 1 });
    input.addEventListener("change", updateCreate);
    return el("div", { class: "choice" }, [input, el("label", { for: "level-" + n, text: L["level_" + n] }),
      el("p", { class: "help", text: L["level_" + n + "_help"] })]);
  })));
  function level() { const c = levelBox.querySelector("input:checked"); return c ? Number(c.value) : 1; }
  // 黑旗 (SPEC §2 rules.flags): members and cadres whose satisfied share is below a percent.
  const flagBox = el("input", { type: "checkbox", id: "flag-black" });
  const flagPercent = el("input", { type: "number", id: "flag-below", min: "0", max: "100", step: "0.01", value: "50", inputmode: "decimal" });
  const flagField = el("div", { class: "stack flag-rule" }, [el("div", { class: "choice" }, [flagBox, el("label", { for: "flag-black", text: L.flag_black })]),
    field(L.flag_below, flagPercent, L.flag_below_help)]);

  // 以去年为基础
  const prevSelect = el("select", { id: "previous", name: "previous" });
  const copyButton = el("button", { type: "button", id: "copy-previous", text: L.copy_previous });
  const copyAlert = alertBox(), copyStatus = statusBox();
  function fillPrevious() {
    const community = communityInput.value.trim();
    let list = streetEvs.filter(function (e) { return !community || e.community === community; });
    if (community && !list.length) list = streetEvs;
    const keep = prevSelect.value;
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
    const prev = prevSelect.value;
    if (!prev) return;
    copyButton.disabled = true; copyButton.textContent = L.copying;
    say(copyAlert, ""); say(copyStatus, "");
    api("GET", "/evaluations/" + encodeURIComponent(prev) + "/definition").then(function (res) {
      copyButton.disabled = false; copyButton.textContent = L.copy_previous;
      if (!res.ok || !res.data) { say(copyAlert, problemText(res)); return; }
      const d = res.data;
      if ((d.cadres || []).length) levelBox.querySelector("#level-2").checked = true;
      titleInput.value = String(d.title || "").replace(/(19|20)\d{2}/, function (y) { return String(Number(y) + 1); });
      communityInput.value = d.community || "";
      if (d.electorate) electorateInput.value = d.electorate;
      if (d.publicity_days !== undefined && d.publicity_days !== null) publicityInput.value = d.publicity_days;
      // The notice's place, contact and issuer carry over; the date is this year's to set.
      Object.keys(noticeInputs).forEach(function (k) { if (k !== "date") noticeInputs[k].value = (d.notice && d.notice[k]) || ""; });
      previous = { id: d.id || prev, options: d.options, rules: d.rules };
      fillPrevious();
      prevSelect.value = previous.id;
      renderPresets("previous");
      // Last year's roster as it is: its ids are the people's (shown), no sheet or rows.
      rosters.useCopied({ organizations: d.organizations || [], members: d.members || [], cadres: d.cadres || [], errors: [], left: [], sheets: [], skipped: [],
        summary: [], partialAllowed: true, idsGiven: true, copied: true }, t("preview_from_previous", { id: previous.id }));
      say(copyStatus, t("copied", { title: d.title, id: previous.id }));
    });
  });

  // counting rules
  const presetBox = el("div", { class: "presets" });
  const customBox = el("fieldset", { class: "custom-rules", id: "custom-rules" });
  const denSelect = el("select", { id: "rule-denominator" }, [
    el("option", { value: "ballots", text: L.den_ballots }), el("option", { value: "answers", text: L.den_answers }),
    el("option", { value: "electorate", text: L.den_electorate })]);
  const cmpSelect = el("select", { id: "rule-comparison" }, [
    el("option", { value: "above", text: L.cmp_above }), el("option", { value: "at_least", text: L.cmp_at_least })]);
  function pct(id, v) { return el("input", { type: "number", id: id, min: "0", max: "100", step: "0.01", value: String(v), required: true, inputmode: "decimal" }); }
  const m1 = pct("rule-m1", 60), m2 = pct("rule-m2", 80), o1 = pct("rule-o1", 70);
  customBox.appendChild(el("legend", { text: L.custom_rules }));
  [field(L.denominator, denSelect), field(L.comparison, cmpSelect), field(L.member_recognition, m1),
    field(L.member_satisfaction, m2), field(L.org_satisfaction, o1)].forEach(function (n) { customBox.appendChild(n); });
  function presetChoice() { const c = presetBox.querySelector("input:checked"); return c ? c.value : "rushan"; }
  function renderPresets(checked) {
    checked = checked || presetChoice();
    presetBox.textContent = "";
    const presets = ["rushan", "zhenhai", "custom"];
    if (previous) presets.push("previous");
    presets.forEach(function (p) {
      const id = "preset-" + p, hid = id + "-help";
      const input = el("input", { type: "radio", name: "preset", id: id, value: p, "aria-describedby": hid });
      if (p === checked) input.checked = true;
      input.addEventListener("change", function () { customBox.hidden = presetChoice() !== "custom"; });
      const help = p === "previous" ? t("preset_previous_help", { summary: rulesSummary(previous.rules, previous.options) }) : L["preset_" + p + "_help"];
      presetBox.appendChild(el("div", { class: "choice" }, [input, el("label", { for: id, text: p === "previous" ? L.preset_previous + P.open + previous.id + P.close : L["preset_" + p] }),
        el("p", { class: "help", id: hid, text: help })]));
    });
    customBox.hidden = checked !== "custom";
  }
  renderPresets("rushan");

  // roster
  const rosters = rosterPart(function () { return previous && previous.id; }, updateCreate);

  const createButton = el("button", { type: "submit", class: "primary", id: "create", "aria-describedby": "create-why", text: L.create });
  const createWhy = el("p", { id: "create-why", class: "help" });
  const createAlert = alertBox();
  createAlert.id = "create-alert";
  function updateCreate() {
    const roster = rosters.roster();
    const cadres = roster ? (roster.cadres || []).length : 0;
    const subjects = roster ? roster.organizations.length + roster.members.length : 0;
    // Level 2 rates cadres only; level 1 members and branches only.
    const why = level() === 2 ? (!cadres ? L.create_need_cadres : "")
      : !subjects ? (cadres ? L.create_need_level2 : L.create_need_roster)
      : roster.errors.length && !roster.partialAllowed ? L.create_need_fix
      : roster.errors.length && !rosters.skipping() ? L.create_need_skip
      : rosters.unsettled() ? t("create_need_match", { n: rosters.unsettled() }) : "";
    createButton.disabled = !!why;
    createWhy.textContent = why;
  }

  const form = el("form", { id: "new-evaluation", class: "console-form" }, [
    section(L.basics, [
      streetInput ? field(L.street, streetInput, L.street_help) : null,
      field(L.id, idInput, L.id_help),
      field(L.title, titleInput),
      field(L.community, communityInput),
      field(L.round_field, roundInput, L.round_help),
      el("div", { class: "row2" }, [field(L.console_electorate, electorateInput, L.electorate_help), field(L.publicity_days, publicityInput, L.publicity_help)])
    ]),
    // What the printed notices say (SPEC §2 notice): all optional; 以去年为基础 copies them.
    section(L.notice, [el("p", { class: "help", text: L.notice_help }),
      el("div", { class: "row2" }, [field(L.notice_date, noticeInputs.date, L.notice_date_help), field(L.notice_place, noticeInputs.place)]),
      el("div", { class: "row2" }, [field(L.notice_contact, noticeInputs.contact, L.notice_contact_help), field(L.notice_issuer, noticeInputs.issuer, L.notice_issuer_help)]),
      field(L.notice_text, noticeInputs.text)], { id: "notice-fields" }),
    section(L.based_on, [el("p", { class: "help", text: L.previous_help }),
      el("div", { class: "inline" }, [field(L.previous, prevSelect), copyButton]), copyAlert, copyStatus]),
    section(L.level_heading, [levelBox], { id: "level-section" }),
    section(L.rules, [el("fieldset", { class: "presets-set" }, [el("legend", { class: "visually-hidden", text: L.rules }), presetBox]), customBox,
      flagField]),
    section(L.roster, [rosters.fileField, rosters.alert, rosters.status, rosters.preview]),
    el("div", { class: "stack" }, [rosters.skipBox, createWhy, createButton, createAlert])
  ]);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (createButton.disabled) return;
    const roster = rosters.roster();
    const def = {
      id: idInput.value.trim(), title: titleInput.value.trim(), street: street(),
      electorate: parseInt(electorateInput.value, 10), publicity_days: parseInt(publicityInput.value, 10)
    };
    if (communityInput.value.trim()) def.community = communityInput.value.trim();
    if (roundInput.value.trim()) def.round = roundInput.value.trim();
    const notice = {};
    Object.keys(noticeInputs).forEach(function (k) { if (noticeInputs[k].value.trim()) notice[k] = noticeInputs[k].value.trim(); });
    if (Object.keys(notice).length) def.notice = notice;
    if (previous) def.previous = previous.id;
    const p = presetChoice();
    if (p === "rushan") def.rules = Object.assign({ denominator: "ballots", comparison: "above" }, STARS(60, 80, 70));
    else if (p === "zhenhai") { def.options = ZHENHAI_OPTIONS; def.rules = Object.assign({ denominator: "electorate", comparison: "at_least" }, STARS(60, 80, 70)); }
    else if (p === "custom") def.rules = Object.assign({ denominator: denSelect.value, comparison: cmpSelect.value }, STARS(Number(m1.value), Number(m2.value), Number(o1.value)));
    else if (p === "previous" && previous) { if (previous.options) def.options = previous.options; if (previous.rules) def.rules = Object.assign({}, previous.rules); }
    if (flagBox.checked) {
      def.rules = Object.assign({}, def.rules || {});
      def.rules.flags = [{ flag: "black", label: L.flag_label, kinds: ["member", "cadre"], below: Number(flagPercent.value) }];
    }
    if (level() === 2) {
      def.cadres = (roster.cadres || []).map(function (c) {
        const cadre = { id: c.id, name: c.name };
        if (c.title) cadre.title = c.title;
        if (c.renamed_from) cadre.renamed_from = c.renamed_from;
        return cadre;
      });
      api("POST", "/evaluations", def).then(created);
      createButton.disabled = true; createButton.textContent = L.creating;
      say(createAlert, "");
      return;
    }
    // Only the definition's fields: the preview's row, match and candidates stay here.
    def.organizations = roster.organizations.map(function (o) {
      const organization = { id: o.id, name: o.name };
      if (o.renamed_from) organization.renamed_from = o.renamed_from;
      return organization;
    });
    def.members = roster.members.map(function (m) {
      const member = { id: m.id, name: m.name };
      if (m.organization) member.organization = m.organization;
      if (m.renamed_from) member.renamed_from = m.renamed_from;
      return member;
    });
    createButton.disabled = true; createButton.textContent = L.creating;
    say(createAlert, "");
    api("POST", "/evaluations", def).then(created);
    function created(res) {
      createButton.textContent = L.create;
      updateCreate();
      if (!res.ok) {
        say(createAlert, problemText(res));
        if (res.code === "evaluation_exists") { idInput.focus(); }
        return;
      }
      handoff.createdId = (res.data && res.data.id) || def.id;
      handoff.flash = L.created;
      go("#/e/" + handoff.createdId);
    }
  });
  // 新建第二级测评 from a level-1 evaluation's page: the same community, round, notice and
  // rules; level 2; as many voters as the level-1 roster has members.
  const second = handoff.secondLevel;
  handoff.secondLevel = null;
  if (second) {
    titleInput.value = second.title;
    communityInput.value = second.community || "";
    roundInput.value = second.round || roundInput.value;
    if (second.electorate) electorateInput.value = second.electorate;
    Object.keys(noticeInputs).forEach(function (k) { noticeInputs[k].value = (second.notice && second.notice[k]) || ""; });
    levelBox.querySelector("#level-2").checked = true;
    if (second.id && !idTouched) idInput.value = second.id;
  }
  page(L.new_title, [form]);
  loadStreet();
  updateCreate();
}
