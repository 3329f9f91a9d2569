// The console's client of /api/v1, and nothing more: the console keeps no lifecycle logic of its
// own. Answers come back as {ok, status, data} or {ok: false, status, code, detail, title}; a
// problem's code is said in words by the catalogue's error_<code>. A password session rides on
// its cookie, and every state-changing request carries its X-CSRF-Token; a key goes out as
// `Authorization: Bearer`. A signed-in request answered 401 ends the session here too.
import { L } from "./admin-text.js";
import { getKey, csrfToken, whoami, expired, touch, startSession } from "./admin-session.js";

// Codes whose detail names what to fix (the row, the field): shown after the words.
const WITH_DETAIL = { definition_invalid: 1, roster_invalid: 1, malformed_request: 1, text_invalid: 1, identity_conflict: 1, remedy_invalid: 1 };
const SAFE = { GET: 1, HEAD: 1, OPTIONS: 1 };

function send(method, path, body, opts) {
  const headers = { Accept: "application/json, application/problem+json" };
  const key = opts.key || getKey();
  if (key) headers.Authorization = "Bearer " + key;
  else if (!SAFE[method] && csrfToken()) headers["X-CSRF-Token"] = csrfToken();
  const init = { method: method, headers: headers, cache: "no-store", credentials: "same-origin" };
  if (body !== undefined && body !== null) {
    if (opts.contentType) { headers["Content-Type"] = opts.contentType; init.body = body; }
    else { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  }
  return fetch("/api/v1" + path, init).then(function (r) {
    if (r.ok && opts.blob) return r.blob().then(function (b) { return { ok: true, status: r.status, blob: b, response: r }; });
    return r.text().then(function (text) {
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      if (r.ok) return { ok: true, status: r.status, data: data };
      return { ok: false, status: r.status, code: (data && data.code) || "", detail: (data && data.detail) || "", title: (data && data.title) || "" };
    });
  }, function () { return { ok: false, status: 0, code: "network" }; });
}

/**
 * One request. `opts.key` signs in with a key not kept yet; `opts.contentType` sends `body`
 * as it is (a roster file); `opts.blob` reads a successful answer as a Blob (the bundle);
 * `opts.signingIn`: a 401 is the answer to show (a wrong password), not an ended session.
 */
export function api(method, path, body, opts) {
  opts = opts || {};
  const asSession = !opts.key && !getKey() && !!csrfToken();
  return send(method, path, body, opts).then(function (res) {
    if (res.ok) { if (asSession) touch(); return res; }
    // Another tab signed in again: this tab's token is stale. Fetch the current one, once.
    if (res.code === "csrf_failed" && asSession && !opts.retried) {
      return send("GET", "/session", null, {}).then(function (s) {
        if (!s.ok || !s.data) { if (s.status === 401) expired(); return res; }
        // Someone else signed in in that tab: this page is no longer theirs to use.
        if (s.data.user !== (whoami() || {}).user) { expired(); return res; }
        startSession(s.data);
        return api(method, path, body, Object.assign({}, opts, { retried: true }));
      });
    }
    if (res.status === 401 && !opts.key && !opts.signingIn && whoami()) expired();
    return res;
  });
}

/** busy / ballots_pending: the server asks for a moment; try once more by itself. */
export function apiRetry(method, path, body, opts) {
  return api(method, path, body, opts).then(function (res) {
    if (!res.ok && (res.code === "busy" || res.code === "ballots_pending")) {
      return new Promise(function (done) { setTimeout(done, 2500); }).then(function () { return api(method, path, body, opts); });
    }
    return res;
  });
}

/** A refused answer in words: the code's message, with the detail where it says what to fix. */
export function problemText(res) {
  const known = res.code ? L["error_" + res.code] : undefined;
  let msg = known;
  if (!msg) msg = L.error_other.replace("{status}", res.status) + (res.title ? " " + res.title : "");
  if (res.detail && (WITH_DETAIL[res.code] || !known)) msg += res.detail;
  else if (WITH_DETAIL[res.code] && res.title) msg += res.title;
  return msg;
}
