// The operator's 全区汇总 (SPEC §7 GET /rounds/{round}): every street of one round with the
// progress of its evaluations in the voting weeks, its turnout and each star's share over the
// published ones; sortable by any column, equal values ranked together (并列) with the rule
// said in words; the workbook (district.xlsx) downloaded with the session.
import { L, P, t, stateName } from "./admin-text.js";
import { el, field, section, alertBox, say } from "./admin-ui.js";
import { api, problemText } from "./admin-api.js";
import { page } from "./admin-router.js";

const STATES = ["draft", "open", "closed", "preliminary", "final", "annulled"];

/** Competition ranks (1, 1, 3) of `values` sorted from high to low: equal values share a rank. */
export function ranks(values) {
  return values.map(function (v) { return 1 + values.filter(function (w) { return w > v; }).length; });
}

export function districtPage() {
  const roundInput = el("input", { type: "text", id: "district-round", maxlength: "32", value: String(new Date().getFullYear()) });
  const showButton = el("button", { type: "submit", text: L.district_show });
  const alert = alertBox();
  const body = el("div", { id: "district-body" });
  const form = el("form", { class: "inline", id: "district-form" }, [field(L.round_field, roundInput), showButton]);
  let data = null, sortBy = "turnout";

  // The columns: a name, what it shows, and the number it sorts by (null: not sortable).
  function columns() {
    const stars = [];
    (data.streets || []).forEach(function (s) {
      (s.totals.member_stars || []).forEach(function (x) { if (!stars.some(function (y) { return y.star === x.star; })) stars.push(x); });
    });
    return [
      { key: "street", label: L.district_street, show: function (s) { return s.street_name || s.street; }, value: null },
      { key: "progress", label: L.district_progress, show: function (s) {
        return STATES.filter(function (k) { return s.progress[k]; }).map(function (k) { return stateName(k) + " " + s.progress[k]; }).join(P.comma);
      }, value: function (s) { return s.totals.published; } },
      { key: "turnout", label: L.turnout, show: function (s) {
        return s.totals.ballots + " / " + s.totals.electorate + (s.totals.turnout ? P.open + s.totals.turnout + "%" + P.close : "");
      }, value: function (s) { return s.totals.electorate ? s.totals.ballots / s.totals.electorate : -1; } },
      { key: "members", label: L.members, show: function (s) { return String(s.totals.members); }, value: function (s) { return s.totals.members; } }
    ].concat(stars.map(function (star) {
      function count(s) { return (s.totals.member_stars || []).find(function (x) { return x.star === star.star; }); }
      return { key: "star-" + star.star, label: star.label, show: function (s) {
        const c = count(s);
        return c ? c.count + (c.share ? P.open + c.share + "%" + P.close : "") : "—";
      }, value: function (s) { const c = count(s); return c && s.totals.members ? c.count / s.totals.members : -1; } };
    }));
  }

  function render() {
    body.textContent = "";
    if (!data) return;
    const cols = columns();
    const by = cols.find(function (c) { return c.key === sortBy && c.value; }) || cols[2];
    const streets = (data.streets || []).slice().sort(function (a, b) { return by.value(b) - by.value(a); });
    const rank = ranks(streets.map(by.value));
    const head = el("tr", {}, [el("th", { scope: "col", text: L.district_rank })].concat(cols.map(function (c) {
      if (!c.value) return el("th", { scope: "col", text: c.label });
      const button = el("button", { type: "button", class: "link-button sort", "data-sort": c.key, text: c.label });
      button.addEventListener("click", function () { sortBy = c.key; render(); const again = body.querySelector('[data-sort="' + c.key + '"]'); if (again) again.focus(); });
      return el("th", { scope: "col", "aria-sort": c === by ? "descending" : "none" }, [button]);
    })));
    const rows = streets.map(function (s, i) {
      const tied = rank.filter(function (r) { return r === rank[i]; }).length > 1;
      return el("tr", {}, [el("td", { class: "rank", text: (tied ? L.district_tied : "") + t("district_rank_n", { n: rank[i] }) })]
        .concat(cols.map(function (c, j) { return el(j === 0 ? "th" : "td", j === 0 ? { scope: "row", text: c.show(s) } : { text: c.show(s) }); })));
    });
    body.appendChild(el("p", { class: "help", id: "district-rule", text: t("district_rule", { column: by.label }) }));
    body.appendChild(el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": L.district_table }, [
      el("table", { class: "results district" }, [el("caption", { class: "visually-hidden", text: L.district_table }),
        el("thead", {}, [head]), el("tbody", {}, rows)])]));
    const download = el("button", { type: "button", id: "district-xlsx", text: L.district_download });
    const status = el("p", { role: "status", class: "help" });
    download.addEventListener("click", function () {
      download.disabled = true;
      api("GET", "/rounds/" + encodeURIComponent(data.round) + "/district.xlsx", null, { blob: true }).then(function (r) {
        download.disabled = false;
        if (!r.ok) { say(alert, problemText(r)); return; }
        const url = URL.createObjectURL(r.blob);
        const a = el("a", { href: url, download: data.round + "-district.xlsx", class: "visually-hidden", tabindex: "-1", "aria-hidden": "true", text: L.district_download });
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
        say(status, L.district_downloaded);
      });
    });
    body.appendChild(el("div", { class: "stack" }, [download, status]));
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    const round = roundInput.value.trim();
    if (!round) { roundInput.focus(); return; }
    showButton.disabled = true; say(alert, "");
    api("GET", "/rounds/" + encodeURIComponent(round)).then(function (res) {
      showButton.disabled = false;
      if (!res.ok || !res.data) { data = null; render(); say(alert, res.status === 404 ? t("district_none", { round: round }) : problemText(res)); return; }
      data = res.data;
      render();
    });
  });
  page(L.district, [section(L.district, [el("p", { class: "help", text: L.district_intro }), form, alert, body], { id: "district" })]);
  form.requestSubmit ? form.requestSubmit() : showButton.click();
}
