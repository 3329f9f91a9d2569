// The roster part of a new evaluation: the file as the office keeps it, read by POST /rosters
// (nothing is created), and its preview: the sheet and header row found, the rows left out,
// row errors, the branches and members, and with a previous round who each row was then.
import { L, P, t } from "./admin-text.js";
import { el, field, alertBox, say, tableWrap } from "./admin-ui.js";
import { api, problemText } from "./admin-api.js";

/**
 * `previousId()` names the previous round the rows are matched with (or nothing);
 * `onChange()` runs whenever the roster or the clerk's choices in it change.
 * Returns the nodes to place and the roster as it stands.
 */
export function rosterPart(previousId, onChange) {
  let roster = null;          // {organizations, members, errors, ...}
  let rosterSource = "";
  const fileInput = el("input", { type: "file", id: "roster-file", name: "roster", accept: ".xlsx,.csv,.xls,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv,application/vnd.ms-excel" });
  const rosterAlert = alertBox();
  rosterAlert.id = "roster-alert";
  const rosterStatus = el("p", { role: "status", class: "help" });
  const preview = el("div", { id: "preview" });
  const skipBox = el("div", { class: "choice skip", hidden: true });
  const skipInput = el("input", { type: "checkbox", id: "skip-errors" });
  const skipLabel = el("label", { for: "skip-errors" });
  skipBox.appendChild(skipInput); skipBox.appendChild(skipLabel);
  skipInput.addEventListener("change", onChange);

  // The file as chosen, kept to read another of its sheets when the clerk picks one.
  let upload = null;
  fileInput.addEventListener("change", function () {
    const file = fileInput.files && fileInput.files[0];
    say(rosterAlert, "");
    if (!file) return;
    const name = file.name.toLowerCase();
    const type = /\.xlsx$/.test(name) ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
      : /\.xls$/.test(name) ? "application/vnd.ms-excel"
      : /\.csv$/.test(name) ? "text/csv"
      : file.type === "text/csv" ? "text/csv" : null;
    if (!type) { say(rosterAlert, L.roster_type); roster = null; renderPreview(); return; }
    file.arrayBuffer().then(function (bytes) {
      upload = { name: file.name, type: type, bytes: bytes };
      readRoster(null);
    }, function () { say(rosterAlert, L.error_network); });
  });
  // The workbook's sheets as last read, for the picker.
  let knownSheets = [];
  function sheetPicker(sheets, current) {
    const sheetSelect = el("select", { id: "roster-sheet" }, sheets.map(function (s) { return el("option", { value: s, text: s, selected: s === current }); }));
    sheetSelect.addEventListener("change", function () { readRoster(sheetSelect.value); });
    return field(L.roster_sheet, sheetSelect, L.roster_sheet_help);
  }
  // Sends the kept file to /rosters (a sheet of it, if one is named) and previews the answer.
  function readRoster(sheet) {
    say(rosterStatus, L.roster_reading);
    // With a previous round, its people keep their ids (SPEC §1): the server matches them.
    const params = [];
    if (previousId()) params.push("previous=" + encodeURIComponent(previousId()));
    if (sheet) params.push("sheet=" + encodeURIComponent(sheet));
    api("POST", "/rosters" + (params.length ? "?" + params.join("&") : ""), upload.bytes, { contentType: upload.type }).then(function (res) {
      say(rosterStatus, "");
      // A refused file leaves no roster behind: what is previewed is what gets created. A refused
      // sheet keeps the sheet picker, so the clerk can pick another without choosing the file again.
      if (!res.ok || !res.data) {
        say(rosterAlert, problemText(res)); roster = null; renderPreview();
        if (sheet && knownSheets.length > 1) preview.appendChild(sheetPicker(knownSheets, sheet));
        return;
      }
      knownSheets = res.data.sheets || [];
      say(rosterAlert, "");
      roster = { organizations: res.data.organizations || [], members: res.data.members || [], cadres: res.data.cadres || [],
        errors: res.data.errors || [],
        previous: res.data.previous || null, left: res.data.left || [], sheet: res.data.sheet || null, sheets: res.data.sheets || [],
        headerRow: res.data.header_row || 1, skipped: res.data.skipped || [], summary: res.data.error_summary || [],
        partialAllowed: res.data.partial_allowed !== false, idsGiven: !!res.data.ids_given };
      rosterSource = t("preview_from_file", { name: upload.name });
      skipInput.checked = false;
      renderPreview();
    }, function () { say(rosterStatus, ""); say(rosterAlert, L.error_network); roster = null; renderPreview(); });
  }

  function renderPreview() {
    preview.textContent = "";
    if (!roster) { skipBox.hidden = true; skipInput.checked = false; onChange(); return; }
    const orgName = Object.create(null);
    roster.organizations.forEach(function (o) { orgName[o.id] = o.name; });
    const showIds = roster.idsGiven || !!roster.previous;
    const perBranch = Object.create(null);
    roster.members.forEach(function (m) { perBranch[m.organization] = (perBranch[m.organization] || 0) + 1; });
    const cadres = roster.cadres || [];
    const nodes = [el("h3", { text: L.preview }),
      el("p", { id: "preview-summary", text: rosterSource + " · " + (cadres.length ? t("preview_summary_cadres", { n: cadres.length })
        : t("preview_summary", { orgs: roster.organizations.length, members: roster.members.length })) })];
    // Where the table was found: the sheet (another can be picked), the header row, and the
    // rows left out on purpose (blank, footer), so the clerk can tell the reading is right.
    const where = [];
    if (roster.sheet) where.push(t("preview_sheet", { sheet: roster.sheet }));
    if (!roster.copied) where.push(t("preview_header_row", { row: roster.headerRow }));
    if (roster.skipped.length) where.push(t("preview_skipped", { n: roster.skipped.length, rows: roster.skipped.slice(0, 8).map(function (x) { return x.row; }).join(P.comma) + (roster.skipped.length > 8 ? "…" : "") }));
    if (where.length) nodes.push(el("p", { class: "help", id: "preview-where", text: where.join(P.semi) }));
    if (roster.sheets.length > 1) nodes.push(sheetPicker(roster.sheets, roster.sheet));
    if (roster.errors.length) {
      nodes.push(el("div", { class: "message error row-errors", role: "alert", id: "row-errors" }, [
        el("h4", { text: t("row_errors", { n: roster.errors.length }) }),
        roster.summary.length ? el("ul", { class: "error-summary" }, roster.summary.map(function (x) { return el("li", { text: x }); })) : null,
        el("details", {}, [el("summary", { text: L.row_errors_all }),
          el("ul", {}, roster.errors.map(function (x) { return el("li", { text: t("row_error", x) }); }))]),
        el("p", { text: roster.partialAllowed ? L.row_errors_help : L.row_errors_stop })]));
    }
    // A roster of cadres (两级测评, 姓名 and 职务): one table of names and positions.
    if (cadres.length) {
      nodes.push(el("h4", { text: L.cadres + P.open + cadres.length + P.close }),
        tableWrap(L.cadres_table, (roster.copied ? [] : [L.row_number]).concat([L.name, L.cadre_title], roster.previous ? [L.match_column] : []),
          cadres.map(function (c) {
            return (roster.copied ? [] : [String(c.row || "")]).concat([c.name, c.title || ""],
              roster.previous ? [c.match === "matched" ? L.branch_matched : L.match_new] : []);
          })));
    } else nodes.push(el("h4", { text: L.branches + P.open + roster.organizations.length + P.close }),
      tableWrap(L.branches_table, [L.org_name, L.org_members].concat(roster.previous ? [L.match_column] : []),
        roster.organizations.map(function (o, i) {
          return [o.name, String(perBranch[o.id] || 0)].concat(roster.previous ? [branchMatchCell(o, i)] : []);
        })),
      el("h4", { text: L.console_members + P.open + roster.members.length + P.close }),
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
      // Who is gone: last round's people and branches no row is (matched, settled or renamed).
      const gone = stillLeft();
      if (gone.length) {
        nodes.push(el("h4", { text: t("left_title", { n: gone.length }) }),
          el("ul", { id: "left-list" }, gone.map(function (s) { return el("li", { text: t("left_item", { name: s.name, branch: s.organization || L.console_members }) }); })));
      }
    }
    nodes.forEach(function (n) { preview.appendChild(n); });
    skipLabel.textContent = t("skip_errors", { n: roster.errors.length });
    // Too many rows in error: the file is more likely misread than a few rows wrong, and
    // leaving them out would quietly evaluate part of the members. Not offered then.
    skipBox.hidden = !roster.errors.length || !roster.partialAllowed;
    if (skipBox.hidden) skipInput.checked = false;
    onChange();
  }

  // 与上一轮: who each row is. An ambiguous row is settled by the clerk: one of the
  // candidates (their old id) or a new person (the fresh id the server gave the row).
  function matchCell(m, index) {
    if (m.match === "matched" && m.previous) {
      return t("match_matched", { name: m.previous.name, branch: m.previous.organization || "", row: m.row });
    }
    if (m.match !== "ambiguous") return renameCell(m, index);
    if (m.freshId === undefined) m.freshId = m.id;
    const select = el("select", { id: "match-" + index, "aria-label": m.name + " · " + t("match_ambiguous", { n: m.candidates.length }) });
    select.appendChild(el("option", { value: "", text: L.match_choose }));
    m.candidates.forEach(function (c) {
      select.appendChild(el("option", { value: c.id, text: t("match_is", { name: c.name, branch: c.organization || "" }) }));
    });
    select.appendChild(el("option", { value: "new", text: L.match_new_person }));
    select.value = m.settled || "";
    const problem = el("span", { class: "field-error", role: "alert" });
    select.addEventListener("change", function () {
      const choice = select.value;
      const other = choice && choice !== "new" && roster.members.filter(function (x) { return x !== m && x.id === choice; })[0];
      if (other) { problem.textContent = t("match_taken", { name: other.name, row: other.row }); select.value = m.settled || ""; return; }
      problem.textContent = "";
      m.settled = choice;
      m.id = choice === "new" || !choice ? m.freshId : choice;
      renderPreview();
      const again = document.getElementById("match-" + index);
      if (again) again.focus();
    });
    return el("div", { class: "stack" }, [el("span", { text: t("match_ambiguous", { n: m.candidates.length }) }), select, problem]);
  }
  // A new row may be someone of last year under a new name (a real change of name, SPEC §2):
  // the clerk can say so, and the member keeps the old id with renamed_from.
  // Last round's subjects that no row of this roster has taken (but `except`).
  function stillLeft(except) {
    const taken = new Set(roster.members.filter(function (x) { return x !== except; }).map(function (x) { return x.id; })
      .concat(roster.organizations.filter(function (x) { return x !== except; }).map(function (x) { return x.id; })));
    return roster.left.filter(function (s) { return !taken.has(s.id); });
  }
  function renameCell(m, index) {
    const gone = stillLeft(m).filter(function (s) { return s.kind === "member"; });
    if (!gone.length) return L.match_new;
    if (m.freshId === undefined) m.freshId = m.id;
    const select = el("select", { id: "rename-" + index, "aria-label": m.name + " · " + L.match_column });
    select.appendChild(el("option", { value: "", text: L.match_new }));
    gone.forEach(function (s) {
      select.appendChild(el("option", { value: s.id, text: t("match_renamed", { name: s.name, branch: s.organization || "" }) }));
    });
    select.value = m.renamedFromId || "";
    const problem = el("span", { class: "field-error", role: "alert" });
    select.addEventListener("change", function () {
      const choice = select.value;
      const other = choice && roster.members.filter(function (x) { return x !== m && x.id === choice; })[0];
      if (other) { problem.textContent = t("match_taken", { name: other.name, row: other.row }); select.value = m.renamedFromId || ""; return; }
      const person = gone.filter(function (s) { return s.id === choice; })[0];
      m.renamedFromId = choice;
      m.id = person ? person.id : m.freshId;
      m.renamed_from = person ? person.name : undefined;
      renderPreview();
      const again = document.getElementById("rename-" + index);
      if (again) again.focus();
    });
    return el("div", { class: "stack" }, [select, problem]);
  }

  // A branch the previous round did not have may be one of its branches under a new name
  // (SPEC §2: a renamed branch keeps its id): the clerk can say so, and the branch and its
  // members keep the old id with renamed_from.
  function branchMatchCell(o, index) {
    if (o.match === "matched") return L.branch_matched;
    const gone = stillLeft(o).filter(function (s) { return s.kind === "organization"; });
    if (!gone.length) return L.branch_new;
    if (o.freshId === undefined) o.freshId = o.id;
    const select = el("select", { id: "branch-rename-" + index, "aria-label": o.name + " · " + L.match_column });
    select.appendChild(el("option", { value: "", text: L.branch_new }));
    gone.forEach(function (s) { select.appendChild(el("option", { value: s.id, text: t("branch_renamed", { name: s.name }) })); });
    select.value = o.renamedFromId || "";
    const problem = el("span", { class: "field-error", role: "alert" });
    select.addEventListener("change", function () {
      const choice = select.value;
      const other = choice && roster.organizations.filter(function (x) { return x !== o && x.id === choice; })[0];
      if (other) { problem.textContent = t("branch_taken", { name: other.name }); select.value = o.renamedFromId || ""; return; }
      const branch = gone.filter(function (s) { return s.id === choice; })[0];
      const before = o.id;
      o.renamedFromId = choice;
      o.id = branch ? branch.id : o.freshId;
      o.renamed_from = branch ? branch.name : undefined;
      roster.members.forEach(function (m) { if (m.organization === before) m.organization = o.id; });
      renderPreview();
      const again = document.getElementById("branch-rename-" + index);
      if (again) again.focus();
    });
    return el("div", { class: "stack" }, [select, problem]);
  }

  return {
    fileField: field(L.roster_file, fileInput, L.roster_help),
    alert: rosterAlert, status: rosterStatus, preview: preview, skipBox: skipBox,
    /** The roster as previewed, or null: what gets created. */
    roster: function () { return roster; },
    /** Whether the clerk ticked 略去有错误的行. */
    skipping: function () { return skipInput.checked; },
    /** Ambiguous rows the clerk has not settled yet. */
    unsettled: function () {
      return roster ? roster.members.filter(function (m) { return m.match === "ambiguous" && !m.settled; }).length : 0;
    },
    /** Last year's roster as it is, copied by 以去年为基础. */
    useCopied: function (copied, source) { roster = copied; rosterSource = source; renderPreview(); }
  };
}
