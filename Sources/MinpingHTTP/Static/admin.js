// The street office console (/admin): a client of /api/v1 and nothing more. It keeps no
// lifecycle logic of its own: it shows what the API says and offers the buttons that fit the
// state; the API decides. This entry loads the words, resumes a key kept in this tab, and hands
// the address to the router; each view is a module of its own.
import { L, lang, loadLabels } from "./admin-text.js";
import { el } from "./admin-ui.js";
import { api, problemText } from "./admin-api.js";
import { getKey, resume, signOut } from "./admin-session.js";
import { root, route, startRouting } from "./admin-router.js";
import { signInPage } from "./admin-signin.js";
import { homePage } from "./admin-home.js";
import { newPage } from "./admin-new.js";
import { evaluationPage } from "./admin-evaluation.js";

// Said only when the catalogue itself cannot be had, so it cannot come from the catalogue.
const NO_LABELS = { zh: "无法载入管理台，请检查网络后刷新本页。", en: "The console could not be loaded; check the connection and reload the page." };

async function start() {
  try {
    await loadLabels();
  } catch (e) {
    root.appendChild(el("p", { class: "message error", role: "alert", text: NO_LABELS[lang] }));
    return;
  }
  startRouting({ signIn: signInPage, home: homePage, newEvaluation: newPage, evaluation: evaluationPage });
  if (!getKey()) { signInPage(); return; }
  root.textContent = "";
  root.appendChild(el("p", { role: "status", text: L.loading }));
  const res = await api("GET", "/whoami");
  if (res.ok && res.data && res.data.role) { resume(res.data); route(); return; }
  if (res.status === 401 || res.status === 403) { signOut(); signInPage(L.key_expired); return; }
  signInPage(problemText(res));
}

// Not a top-level await: browsers older than Chromium 89 (the cores of some office browsers)
// load modules but refuse one. Nothing is drawn before start() has the catalogue.
if (root) start();
