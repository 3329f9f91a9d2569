// The console's slips (SPEC §4): printing slips and enrollment codes, the code cards shown
// once, the batches (what was printed, what was used, and a lost batch of code slips voided to
// print it again), and the operator's street names. An ES module with no state of its own: the
// views pass the helpers in `ui` (admin-ui.js, UI) and the evaluation's `path`.

/** Slips printed and codes made both count against the electorate, codes before they are used. */
export function slipsLeft(x) { return Math.max(0, (x.electorate || 0) - (x.slips || 0) - (x.codes || 0)); }

/**
 * 打印选票 and 打印匿名码, for an admin while slips can be issued, then the batches and the
 * code cards just made. `options`: path, key() (the signed-in key) or csrf() (a password
 * session's CSRF token: a form cannot send the header, so it goes as the field csrf_token;
 * either is posted with the slips form alone), langQuery, baseURL, handoff (its `cards`: codes made, shown once),
 * actionControl, reload(message), refreshSoon() (the counts, once the new tab has made the
 * slips).
 * Returns the sections, and showLeft(x), which keeps 还可以发放 and the counts' max current.
 */
export function issuingSections(ui, info, options) {
  const { el, L, t } = ui;
  const id = info.id, path = options.path, handoff = options.handoff;
  const remaining = slipsLeft(info);
  const slipsCount = el("input", { type: "number", id: "slips-count", name: "count", min: "1", max: String(Math.max(1, Math.min(500, remaining))), step: "1", value: String(Math.max(1, Math.min(8, remaining))), required: true, inputmode: "numeric" });
  const keyField = el("input", { type: "hidden", name: "key", value: "" });
  const slipsButton = el("button", { type: "submit", id: "slips-button", text: L.slips_button });
  const leftId = ui.nextId("left");
  slipsCount.setAttribute("aria-describedby", leftId);
  // Code slips (the default), token slips or paper forms (测评表, for the meeting); a token
  // slip or form is not stored, so a lost one cannot be voided: the console says so first.
  const kindName = ui.nextId("kind");
  const tokenNote = el("p", { class: "message", id: "token-note", hidden: true, text: L.token_slip_note });
  const kinds = el("fieldset", { class: "slip-kinds" }, [el("legend", { text: L.slip_kind })].concat(["code", "token", "paper"].map(function (k) {
    const input = el("input", { type: "radio", name: "kind", value: k, id: kindName + "-" + k, checked: k === "code" });
    // Token slips and paper forms carry a token that is not stored: a lost one cannot be voided.
    input.addEventListener("change", function () { tokenNote.hidden = k === "code" || !input.checked; });
    return el("div", { class: "choice" }, [input, el("label", { for: input.id, text: L["slip_kind_" + k] })]);
  })));
  const slipsForm = el("form", { method: "post", action: "/admin/slips/" + encodeURIComponent(id) + options.langQuery, target: "_blank", id: "slips-form", class: "stack" },
    [keyField, kinds, tokenNote, ui.field(L.console_slips_count, slipsCount), slipsButton]);
  slipsForm.addEventListener("submit", function () {
    const key = options.key();
    keyField.name = key ? "key" : "csrf_token";
    keyField.value = key || options.csrf() || "";
    // The key (or token) goes with this one post only; the new tab answers with the printable page.
    setTimeout(function () { keyField.value = ""; }, 0);
    options.refreshSoon();
  });
  const leftNode = el("p", { class: "help", id: leftId, text: t("slips_left", { n: remaining, electorate: info.electorate, slips: info.slips || 0, codes: info.codes || 0 }) });
  const sections = [ui.section(L.slips, [el("p", { text: L.slips_intro }), leftNode, slipsForm, ui.alertBox()], { id: "slips" })];

  const codesCount = el("input", { type: "number", id: "codes-count", min: "1", max: String(Math.max(1, Math.min(500, remaining))), step: "1", value: String(Math.max(1, Math.min(8, remaining))), required: true, inputmode: "numeric" });
  const codesButton = el("button", { type: "submit", id: "codes-button", text: L.codes_button });
  const codesAlert = ui.alertBox();
  const codesForm = el("form", { id: "codes-form", class: "inline-form" }, [ui.field(L.codes_count, codesCount), codesButton]);
  codesForm.addEventListener("submit", function (e) {
    e.preventDefault();
    const n = parseInt(codesCount.value, 10);
    codesButton.disabled = true; ui.say(codesAlert, "");
    ui.apiRetry("POST", path + "/enrollment-codes", { count: n }).then(function (res) {
      codesButton.disabled = false;
      if (!res.ok || !res.data) { ui.say(codesAlert, ui.problemText(res)); return; }
      handoff.cards = { id: id, title: info.title, community: info.community, codes: res.data.codes || [], batch: res.data.batch, fresh: true };
      options.reload(null);
    });
  });
  sections.push(ui.section(L.codes, [el("p", { text: L.codes_intro }), codesForm, codesAlert], { id: "codes" }));
  // Every issuance as a batch; a lost batch of code slips is voided and printed again.
  const batches = batchesSection(ui, path, { isAdmin: true, actionControl: options.actionControl,
    onVoided: function (batch) { if (handoff.cards && handoff.cards.batch === batch) handoff.cards = null; } });
  sections.push(batches);
  if (handoff.cards && handoff.cards.id === id && handoff.cards.codes.length) sections.push(cardsSection(ui, handoff.cards, options.baseURL));

  // What the batch list was drawn with: the view's counts when it was made.
  let issued = (info.slips || 0) + "/" + (info.codes || 0) + "/" + (info.ballots || 0);
  function showLeft(x) {
    const left = slipsLeft(x);
    // New slips, codes or ballots since the batches were listed (printed in the slips tab, a code
    // used): list again,
    // so 已印/已用/还可印 agree with 还可以发放.
    const now = (x.slips || 0) + "/" + (x.codes || 0) + "/" + (x.ballots || 0);
    if (issued !== now) batches.refreshBatches();
    issued = now;
    leftNode.textContent = t("slips_left", { n: left, electorate: x.electorate, slips: x.slips || 0, codes: x.codes || 0 });
    [slipsCount, codesCount].forEach(function (input) { input.setAttribute("max", String(Math.max(1, Math.min(500, left)))); });
  }
  return { sections: sections, showLeft: showLeft };
}

function groupCode(c) { return String(c).replace(/[^A-Za-z0-9]/g, "").replace(/(.{4})(?=.)/g, "$1-"); }

/** The enrollment codes just made, as cards to print: shown this once, never fetched again. */
function cardsSection(ui, cards, baseURL) {
  const { el, L, t } = ui;
  const address = baseURL + "/vote/" + cards.id;
  const printButton = el("button", { type: "button", id: "print-cards", class: "primary", text: L.print });
  printButton.addEventListener("click", function () { window.print(); });
  const grid = el("div", { class: "code-cards" }, cards.codes.map(function (c, i) {
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
  return ui.section(L.cards, [el("p", { class: "message noprint", text: t("codes_made", { n: cards.codes.length }) }), printButton, grid], { id: "cards" });
}

/**
 * The 选票批次 section. `actionControl(label, question, run, done)` is the console's confirmed
 * action; `onVoided(batch)` is told of a batch voided (its printed cards are dead).
 */
export function batchesSection(ui, path, options) {
  const { el, L, P, t } = ui;
  const box = el("div", { id: "batches-body" }, [el("p", { role: "status", text: L.loading })]);
  function load() { ui.api("GET", path + "/slip-batches").then(function (res) {
    box.textContent = "";
    if (!res.ok || !res.data) { box.appendChild(el("p", { class: "message error", role: "alert", text: ui.problemText(res) })); return; }
    const batches = res.data.batches || [];
    const printed = { code: 0, token: 0, used: 0 };
    batches.forEach(function (b) { if (!b.voided) { printed[b.kind] += b.count; if (b.kind === "code") printed.used += b.used || 0; } });
    box.appendChild(el("p", { id: "batch-counts", text: t("batch_counts", { codes: printed.code, used: printed.used, tokens: printed.token, left: res.data.left }) }));
    if (!batches.length) { box.appendChild(el("p", { text: L.no_batches })); return; }
    box.appendChild(el("ol", { class: "batches" }, batches.map(function (b, i) {
      const words = t("batch_" + b.kind, { n: i + 1, count: b.count, used: b.used || 0, date: ui.formatDate(b.created_at) });
      const item = el("li", { class: "batch" + (b.voided ? " voided" : ""), "data-batch": b.batch },
        [el("span", { text: words + (b.voided ? P.open + L.batch_voided + P.close : "") })]);
      if (b.voidable && options.isAdmin) {
        item.appendChild(options.actionControl(L.batch_void, t("batch_void_q", { n: i + 1, count: b.count }), function () {
          return ui.apiRetry("POST", path + "/slip-batches/" + encodeURIComponent(b.batch) + "/void", {}).then(function (r) {
            if (r.ok) options.onVoided(b.batch);
            return r;
          });
        }, t("batch_voided_done", { n: i + 1 })));
      } else if (b.kind !== "code" && !b.voided) {
        item.appendChild(el("span", { class: "help", text: " " + L.batch_token_kept }));
      }
      return item;
    })));
  }); }
  load();
  const node = ui.section(L.batches, [el("p", { class: "help", text: L.batches_intro }), box], { id: "batches" });
  // Slips printed in another tab change the counters: the evaluation view asks again.
  node.refreshBatches = load;
  return node;
}

/** The operator names streets (城区街道): pages show the name instead of the slug. `done()`
 *  runs once a name is saved (the console draws the page again). */
export function streetNamesSection(ui, done) {
  const { el, L } = ui;
  const listBox = el("ul", { id: "street-names" });
  const slug = el("input", { type: "text", id: "street-slug", required: true, pattern: "[a-z0-9\\-]{1,64}", autocomplete: "off", spellcheck: "false" });
  const name = el("input", { type: "text", id: "street-name", required: true, maxlength: "200" });
  const button = el("button", { type: "submit", id: "street-name-button", text: L.street_name_button });
  const alert = ui.alertBox();
  const form = el("form", { id: "street-name-form", class: "stack" },
    [ui.field(L.street, slug, L.street_help), ui.field(L.street_name, name), button, alert]);
  function show(streets) {
    listBox.textContent = "";
    (streets || []).forEach(function (s) { listBox.appendChild(el("li", {}, [el("strong", { text: s.name }), " · " + s.street])); });
    if (!(streets || []).length) listBox.appendChild(el("li", { text: L.no_street_names }));
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!slug.value.trim()) { slug.focus(); return; }
    if (!name.value.trim()) { name.focus(); return; }
    button.disabled = true; ui.say(alert, "");
    ui.apiRetry("POST", "/streets", { street: slug.value.trim(), name: name.value.trim() }).then(function (res) {
      button.disabled = false;
      if (!res.ok) { ui.say(alert, ui.problemText(res)); return; }
      done();
    });
  });
  ui.api("GET", "/streets").then(function (res) { if (res.ok) show(res.data && res.data.streets); });
  return ui.section(L.street_names, [el("p", { text: L.street_names_intro }), listBox, form], { id: "street-names-section" });
}
