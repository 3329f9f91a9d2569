// Who is signed in, and how (SPEC §7). A person signs in with a user name and password: the
// session is an HttpOnly cookie the browser sends by itself (no script here can read it), and
// every state-changing request carries the session's CSRF token, which lives in this module's
// memory only. A script or a drill may sign in with an API key instead: the key lives in
// sessionStorage (this tab only) and goes out as `Authorization: Bearer`. The answer ({user,
// role, street, street_name}) decides which buttons the views offer; the API decides again.
const KEY = "minping.console.key";

let who = null;
let csrf = null;
let idleMs = 0;
let idleTimer = null;
let onExpired = null;   // (wasKey) => the sign-in form, saying why
let onIdle = null;      // asks the server whether the session is still alive

export function getKey() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } }
function setKey(k) { try { if (k) sessionStorage.setItem(KEY, k); else sessionStorage.removeItem(KEY); } catch (e) { /* storage off */ } }

/** The signed-in {user?, role, street, street_name}, or null. */
export function whoami() { return who; }
export function isAdmin() { return who && (who.role === "admin" || who.role === "operator"); }
export function isReviewer() { return who && (who.role === "reviewer" || who.role === "operator"); }
export function isOperator() { return who && who.role === "operator"; }
/** The CSRF token of a password session (null with a key or signed out). */
export function csrfToken() { return csrf; }

/** A session POST /session, POST /setup or GET /session answered with: kept in memory only. */
export function startSession(answer) {
  setKey(null);
  who = { user: answer.user, role: answer.role, street: answer.street, street_name: answer.street_name, evaluation: answer.evaluation };
  csrf = answer.csrf_token || null;
  idleMs = Math.max(60, answer.idle_timeout_seconds || 1800) * 1000;
  touch();
}

/** A key GET /whoami accepted: kept for this tab. */
export function signIn(key, answer) {
  setKey(key);
  csrf = null;
  who = answer;
}

/** A key kept from before that GET /whoami accepted again (a reload of the tab). */
export function resume(answer) { who = answer; }

/** Forgets who is signed in (the server's side of a password session is ended by DELETE /session). */
export function signOut() {
  setKey(null);
  who = null;
  csrf = null;
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
}

/** admin.js says what to do when the server no longer accepts the session or the key, and
 *  how to ask it whether a quiet session is still alive. */
export function whenExpired(fn) { onExpired = fn; }
export function whenIdle(fn) { onIdle = fn; }

/** The server answered 401 to a signed-in request: the session ended (idle too long, signed
 *  out elsewhere, the account disabled) or the key was revoked. */
export function expired() {
  if (!who) return;
  const wasKey = !csrf;
  signOut();
  if (onExpired) onExpired(wasKey);
}

/** The session was just used: the server's idle clock restarted. A little after it would run
 *  out, the console asks the server, so a screen left alone does not stay signed in. */
export function touch() {
  if (!csrf) return;
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(function () { idleTimer = null; if (csrf && onIdle) onIdle(); }, idleMs + 5000);
}
