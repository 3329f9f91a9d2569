// The street office console (/admin): a client of /api/v1 and nothing more. It keeps no
// lifecycle logic of its own: it shows what the API says and offers the buttons that fit the
// state; the API decides. This entry loads the words, resumes the session (its cookie, asked
// with GET /session) or a key kept in this tab, and hands the address to the router; each view
// is a module of its own. At /setup (the first run's link) it shows the setup form instead.
import { L, lang, loadLabels } from "./admin-text.js";
import { el } from "./admin-ui.js";
import { api, problemText } from "./admin-api.js";
import { getKey, resume, signOut, startSession, whenExpired, whenIdle } from "./admin-session.js";
import { root, route, handoff, startRouting } from "./admin-router.js";
import { signInPage, signOutNow } from "./admin-signin.js";
import { setupPage } from "./admin-setup.js";
import { homePage } from "./admin-home.js";
import { newPage } from "./admin-new.js";
import { evaluationPage } from "./admin-evaluation.js";
import { accountsPage } from "./admin-accounts.js";
import { districtPage } from "./admin-district.js";
import { deskPage } from "./admin-count.js";

// Said only when the catalogue itself cannot be had, so it cannot come from the catalogue.
const NO_LABELS = { zh: "无法载入管理台，请检查网络后刷新本页。", en: "The console could not be loaded; check the connection and reload the page." };

async function start() {
  try {
    await loadLabels();
  } catch (e) {
    root.appendChild(el("p", { class: "message error", role: "alert", text: NO_LABELS[lang] }));
    return;
  }
  startRouting({ signIn: signInPage, signOut: signOutNow, home: homePage, newEvaluation: newPage, evaluation: evaluationPage, accounts: accountsPage,
    district: districtPage, desk: deskPage });
  // The server stopped accepting the session or the key: the sign-in form, saying why.
  whenExpired(function (wasKey) { handoff.cards = null; handoff.flash = wasKey ? L.key_expired : L.session_expired; route(); });
  whenIdle(function () { api("GET", "/session").then(function (res) { if (res.ok && res.data) startSession(res.data); }); });
  if (location.pathname === "/setup") { setupPage(); return; }
  root.textContent = "";
  root.appendChild(el("p", { role: "status", text: L.loading }));
  if (getKey()) {
    const res = await api("GET", "/whoami");
    if (res.ok && res.data && res.data.role) { resume(res.data); route(); return; }
    if (res.status === 401 || res.status === 403) { signOut(); signInPage(L.key_expired); return; }
    signInPage(problemText(res));
    return;
  }
  const res = await api("GET", "/session", null, { signingIn: true });
  if (res.ok && res.data && res.data.role) { startSession(res.data); route(); return; }
  signInPage(res.status === 401 ? null : problemText(res));
}

// Not a top-level await: browsers older than Chromium 89 (the cores of some office browsers)
// load modules but refuse one. Nothing is drawn before start() has the catalogue.
if (root) start();
