// The list of evaluations: the signed-in street's, or every street under its own heading for an
// operator (who also names streets here). Each card says the state and the next step.
import { L, t, stateName } from "./admin-text.js";
import { el, say, section, UI } from "./admin-ui.js";
import { api, problemText } from "./admin-api.js";
import { whoami, isAdmin } from "./admin-session.js";
import { page, handoff } from "./admin-router.js";
import { streetNamesSection } from "./admin-slips.js";

function evalCard(e, headingTag) {
  return el("li", { class: "eval-card" }, [
    el(headingTag, {}, [el("a", { href: "#/e/" + e.id, text: e.title })]),
    el("p", { class: "meta", text: (e.community ? e.community + " · " : "") + L.id + " " + e.id }),
    el("p", {}, [el("span", { class: "state state-" + e.state, text: stateName(e.state) }), " ",
      el("span", { class: "counts", text: t("counts", e) })]),
    el("p", { class: "next", text: L.next + (L["next_" + e.state] || "") })
  ]);
}

export function homePage() {
  const who = whoami();
  const status = el("p", { role: "status", text: L.loading });
  const list = el("div", { class: "eval-list" });
  const title = who.street ? t("list_title_street", { street: who.street_name || who.street }) : L.list_title;
  const note = handoff.flash; handoff.flash = null;
  page(title, [
    note ? el("p", { class: "message ok", role: "status", text: note }) : null,
    isAdmin() ? el("p", {}, [el("a", { class: "button", href: "#/new", text: L.new_evaluation })]) : null,
    status, list
  ]);
  if (who.role === "operator") {
    // The list below is headed by a new name too: the page is drawn again.
    list.parentNode.insertBefore(streetNamesSection(UI, function () { handoff.flash = L.street_named; homePage(); }), list);
  }
  api("GET", "/evaluations" + (who.street ? "?street=" + encodeURIComponent(who.street) : "")).then(function (res) {
    if (!res.ok) { status.className = "message error"; status.setAttribute("role", "alert"); say(status, problemText(res)); return; }
    const evs = (res.data && res.data.evaluations) || [];
    say(status, evs.length ? "" : L.no_evaluations);
    if (!evs.length) status.className = "message";
    if (who.street) {
      list.appendChild(el("ul", { class: "cards-list" }, evs.map(function (e) { return evalCard(e, "h2"); })));
      // The street's star boards, one per round its evaluations name (public pages).
      api("GET", "/streets/" + encodeURIComponent(who.street) + "/rounds").then(function (r) {
        const rounds = (r.ok && r.data && r.data.rounds) || [];
        if (!rounds.length) return;
        list.appendChild(section(L.street_board_rounds, [el("ul", { id: "street-rounds" }, rounds.map(function (x) {
          return el("li", {}, [el("a", { href: "/street/" + encodeURIComponent(who.street) + "/" + encodeURIComponent(x.round), target: "_blank",
            rel: "noopener", text: t("street_round_link", { round: x.round, published: x.published, evaluations: x.evaluations }) })]);
        }))], { id: "rounds" }));
      });
    } else {
      const streets = [];
      evs.forEach(function (e) { if (streets.indexOf(e.street) < 0) streets.push(e.street); });
      streets.forEach(function (s) {
        const named = evs.find(function (e) { return e.street === s && e.street_name; });
        list.appendChild(section(named ? named.street_name : L.street + " " + s, [el("ul", { class: "cards-list" },
          evs.filter(function (e) { return e.street === s; }).map(function (e) { return evalCard(e, "h3"); }))]));
      });
    }
  });
}
