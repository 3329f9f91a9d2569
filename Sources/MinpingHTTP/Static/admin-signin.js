// The sign-in view: a user name and password (POST /session; the server answers a wrong user
// and a wrong password alike, and locks an account after ten failures), and, folded away under
// a disclosure, an API key for scripts and drills (checked with GET /whoami before it is kept,
// so a wrong key is never stored). Signing out ends the session on the server too.
import { L } from "./admin-text.js";
import { el, field, alertBox, say } from "./admin-ui.js";
import { api, problemText } from "./admin-api.js";
import { signIn, startSession, signOut, csrfToken } from "./admin-session.js";
import { page, route, go, handoff } from "./admin-router.js";

function passwordForm() {
  const user = el("input", { type: "text", id: "user", name: "username", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true, maxlength: "64" });
  const password = el("input", { type: "password", id: "password", name: "password", autocomplete: "current-password", required: true });
  const button = el("button", { type: "submit", class: "primary", text: L.sign_in });
  const alert = alertBox();
  const form = el("form", { class: "stack", id: "sign-in" }, [field(L.user_name, user), field(L.password, password), button, alert]);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!user.value.trim()) { user.focus(); return; }
    if (!password.value) { password.focus(); return; }
    button.disabled = true;
    button.textContent = L.signing_in;
    say(alert, "");
    api("POST", "/session", { user: user.value.trim(), password: password.value }, { signingIn: true }).then(function (res) {
      button.disabled = false;
      button.textContent = L.sign_in;
      if (res.ok && res.data && res.data.role) {
        password.value = "";
        startSession(res.data);
        route();
        return;
      }
      say(alert, res.status === 401 ? L.sign_in_wrong : problemText(res));
      password.value = "";
      (res.status === 401 ? password : user).focus();
    });
  });
  return form;
}

function keyForm() {
  const input = el("input", { type: "password", id: "key", name: "key", autocomplete: "current-password", spellcheck: "false", required: true });
  const button = el("button", { type: "submit", text: L.sign_in_key_button });
  const alert = alertBox();
  const form = el("form", { class: "stack", id: "key-sign-in" }, [el("p", { class: "help", text: L.sign_in_key_intro }), field(L.key, input), button, alert]);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) { input.focus(); return; }
    button.disabled = true;
    button.textContent = L.signing_in;
    say(alert, "");
    api("GET", "/whoami", null, { key: key }).then(function (res) {
      button.disabled = false;
      button.textContent = L.sign_in_key_button;
      if (res.ok && res.data && res.data.role) {
        signIn(key, res.data);
        route();
      } else {
        say(alert, res.status === 401 || res.status === 403 ? L.error_unauthenticated : problemText(res));
        input.focus();
        input.select();
      }
    });
  });
  return el("details", { class: "key-sign-in", id: "key-details" }, [el("summary", { text: L.sign_in_key }), form]);
}

/** `message`: why the person is asked again (the session ended, the key expired). */
export function signInPage(message) {
  const note = handoff.flash || message;
  handoff.flash = null;
  page(L.sign_in_title, [
    note ? el("p", { class: "message", role: "status", id: "sign-in-note", text: note }) : null,
    el("p", { text: L.sign_in_intro }), passwordForm(), keyForm()
  ], { noNav: true });
}

/** 签退: the server ends the session (every session of the account) before the form is shown,
 *  so a sign-in right after is not ended by a late sign-out. */
export function signOutNow() {
  const done = function (message) {
    signOut();
    handoff.cards = null;
    handoff.flash = message;
    go("#/");
  };
  if (!csrfToken()) { done(L.signed_out_key); return Promise.resolve(); }
  return api("DELETE", "/session", null, { signingIn: true }).then(function (res) {
    // 401: the session had ended already; nothing is left to end.
    done(res.ok || res.status === 401 ? L.signed_out : L.sign_out_incomplete + problemText(res));
  });
}
