// Who is signed in. The key lives in sessionStorage (this tab only) and goes out as
// `Authorization: Bearer`; no cookies. Signing out forgets it. The whoami answer ({role,
// street, street_name}) decides which buttons the views offer; the API decides again.
const KEY = "minping.console.key";

let who = null;

export function getKey() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } }
function setKey(k) { try { if (k) sessionStorage.setItem(KEY, k); else sessionStorage.removeItem(KEY); } catch (e) { /* storage off */ } }

/** The signed-in key's {role, street, street_name}, or null. */
export function whoami() { return who; }
export function isAdmin() { return who && (who.role === "admin" || who.role === "operator"); }
export function isReviewer() { return who && (who.role === "reviewer" || who.role === "operator"); }

/** A key GET /whoami accepted: kept for this tab. */
export function signIn(key, answer) {
  setKey(key);
  who = answer;
}

/** A key kept from before that GET /whoami accepted again (a reload of the tab). */
export function resume(answer) { who = answer; }

/** Signs out, or drops a key the server no longer accepts. */
export function signOut() {
  setKey(null);
  who = null;
}
