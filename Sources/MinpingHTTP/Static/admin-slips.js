// The console's slip batches (SPEC §4): what was printed, what was used, and a lost batch of
// code slips voided to print it again. An ES module with no state of its own: admin.js passes
// its helpers in `ui` (see admin.js, UI) and the evaluation's `path`.

/**
 * The 选票批次 section. `actionControl(label, question, run, done)` is the console's confirmed
 * action; `onVoided(batch)` is told of a batch voided (its printed cards are dead).
 */
export function batchesSection(ui, path, options) {
  const { el, L, P, t } = ui;
  const box = el("div", { id: "batches-body" }, [el("p", { role: "status", text: L.loading })]);
  ui.api("GET", path + "/slip-batches").then(function (res) {
    box.textContent = "";
    if (!res.ok || !res.data) { box.appendChild(el("p", { class: "message error", role: "alert", text: ui.problemText(res) })); return; }
    const batches = res.data.batches || [];
    const printed = { code: 0, token: 0, used: 0 };
    batches.forEach(function (b) { if (!b.voided) { printed[b.kind] += b.count; if (b.kind === "code") printed.used += b.used || 0; } });
    box.appendChild(el("p", { id: "batch-counts", text: t("batch_counts", { codes: printed.code, used: printed.used, tokens: printed.token, left: res.data.left }) }));
    if (!batches.length) { box.appendChild(el("p", { text: L.no_batches })); return; }
    box.appendChild(el("ol", { class: "batches" }, batches.map(function (b, i) {
      const words = t(b.kind === "code" ? "batch_code" : "batch_token", { n: i + 1, count: b.count, used: b.used || 0, date: ui.formatDate(b.created_at) });
      const item = el("li", { class: "batch" + (b.voided ? " voided" : ""), "data-batch": b.batch },
        [el("span", { text: words + (b.voided ? P.open + L.batch_voided + P.close : "") })]);
      if (b.voidable && options.isAdmin) {
        item.appendChild(options.actionControl(L.batch_void, t("batch_void_q", { n: i + 1, count: b.count }), function () {
          return ui.apiRetry("POST", path + "/slip-batches/" + encodeURIComponent(b.batch) + "/void", {}).then(function (r) {
            if (r.ok) options.onVoided(b.batch);
            return r;
          });
        }, t("batch_voided_done", { n: i + 1 })));
      } else if (b.kind === "token" && !b.voided) {
        item.appendChild(el("span", { class: "help", text: " " + L.batch_token_kept }));
      }
      return item;
    })));
  });
  return ui.section(L.batches, [el("p", { class: "help", text: L.batches_intro }), box], { id: "batches" });
}

/** The operator names streets (城区街道): pages show the name instead of the slug. `done()`
 *  runs once a name is saved (the console draws the page again). */
export function streetNamesSection(ui, done) {
  const { el, L } = ui;
  const listBox = el("ul", { id: "street-names" });
  const slug = el("input", { type: "text", id: "street-slug", required: true, pattern: "[a-z0-9-]{1,64}", autocomplete: "off", spellcheck: "false" });
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
