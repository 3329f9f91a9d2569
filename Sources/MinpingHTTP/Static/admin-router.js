// The console's hash router and the frame every view is drawn in: #/ the list, #/new a new
// evaluation, #/e/<id> one evaluation, #/accounts the operator's accounts, #/district the
// operator's 全区汇总, #/count/<id> the tellers' desk; signed out, every
// address is the sign-in form. Views are registered by admin.js, so this module imports none
// of them.
import { L, t } from "./admin-text.js";
import { el } from "./admin-ui.js";
import { api } from "./admin-api.js";
import { whoami, isAdmin, isOperator, csrfToken, expired } from "./admin-session.js";

export const root = document.getElementById("console");

/** What one view leaves for the next: a message to show, the evaluation just created (its
 *  YAML is offered at the top), enrollment codes (shown once, never fetched again). */
export const handoff = { flash: null, createdId: null, cards: null };

let views = null;        // {signIn, signOut, home, newEvaluation, evaluation, accounts, district, desk}
let gen = 0;             // bumped on every page change: late answers for an old page are dropped
let timers = [];
let onReturn = null;     // refreshes the evaluation page when the clerk comes back to this tab
const langLink = document.querySelector("header .lang");
const langHref = langLink ? langLink.getAttribute("href").split("#")[0] : null;

export function generation() { return gen; }
/** A timeout or interval of the current page, cleared when the page changes. */
export function keepTimer(x) { timers.push(x); }
export function whenBack(fn) { onReturn = fn; }
export function clearTimers() { timers.forEach(function (x) { clearInterval(x); clearTimeout(x); }); timers = []; onReturn = null; }

export function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

/** Empties the console and draws a view: the navigation, its h1 (focused unless kept), nodes. */
export function page(title, nodes, opts) {
  opts = opts || {};
  root.textContent = "";
  document.body.classList.remove("print-cards");
  if (whoami() && !opts.noNav) root.appendChild(navBar());
  const h1 = el("h1", { tabindex: "-1", text: title });
  root.appendChild(h1);
  nodes.forEach(function (n) { if (n) root.appendChild(n); });
  document.title = title + " · " + t("console");
  if (!opts.keepFocus) h1.focus();
  return h1;
}

function navBar() {
  const who = whoami();
  const out = el("button", { type: "button", class: "link-button", text: L.sign_out });
  out.addEventListener("click", function () {
    out.disabled = true;
    views.signOut();
  });
  const as = t("signed_in_as", { role: L["role_" + who.role] || who.role, street: who.street_name || who.street || L.all_streets });
  return el("nav", { class: "console-nav", "aria-label": L.nav }, [
    el("a", { href: "#/", text: L.home }),
    isAdmin() ? el("a", { href: "#/new", text: L.new_evaluation }) : null,
    isOperator() ? el("a", { href: "#/district", text: L.district }) : null,
    isOperator() ? el("a", { href: "#/accounts", text: L.accounts }) : null,
    el("span", { class: "who", text: who.user ? who.user + " · " + as : as }),
    out
  ]);
}

/** The language switch keeps the address's fragment (the page, or the setup link's code). */
export function keepLangLink() {
  if (langLink && langHref !== null) langLink.setAttribute("href", langHref + (location.hash || ""));
}

export function route() {
  gen += 1;
  clearTimers();
  keepLangLink();
  if (!whoami()) return views.signIn();
  // A page change is a moment to ask whether the session still holds (disabled elsewhere,
  // signed out elsewhere): a public page's requests would not say. A 401 ends it here (api).
  if (csrfToken()) {
    api("GET", "/session").then(function (res) {
      // Another tab signed in as someone else: the browser's cookie is theirs now.
      if (res.ok && res.data && whoami() && res.data.user !== whoami().user) expired();
    });
  }
  const h = decodeURIComponent(location.hash.replace(/^#/, ""));
  const m = /^\/e\/([a-z0-9-]{1,64})$/.exec(h);
  const desk = /^\/count\/([a-z0-9-]{1,64})$/.exec(h);
  // A teller's key counts one evaluation: the desk is all a teller sees.
  if (whoami().role === "teller") return views.desk(whoami().evaluation);
  if (desk) return views.desk(desk[1]);
  if (h === "/new") return views.newEvaluation();
  if (h === "/accounts" && isOperator()) return views.accounts();
  if (h === "/district" && isOperator()) return views.district();
  if (m) return views.evaluation(m[1]);
  return views.home();
}

/** Registers the views and follows the address from now on. */
export function startRouting(registered) {
  views = registered;
  window.addEventListener("focus", function () { if (onReturn) onReturn(); });
  window.addEventListener("hashchange", route);
}
