// The sign-in view: a key checked with GET /whoami before it is kept, so a wrong key is never
// stored and is said wrong next to the field.
import { L } from "./admin-text.js";
import { el, field, alertBox, say } from "./admin-ui.js";
import { api, problemText } from "./admin-api.js";
import { signIn } from "./admin-session.js";
import { page, route, handoff } from "./admin-router.js";

/** `message`: why the clerk is asked again (the key expired, the check failed). */
export function signInPage(message) {
  const input = el("input", { type: "password", id: "key", name: "key", autocomplete: "current-password", spellcheck: "false", required: true });
  const button = el("button", { type: "submit", class: "primary", text: L.sign_in });
  const alert = alertBox();
  const form = el("form", { class: "stack", id: "sign-in" }, [field(L.key, input), button, alert]);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) { input.focus(); return; }
    button.disabled = true;
    button.textContent = L.signing_in;
    say(alert, "");
    api("GET", "/whoami", null, { key: key }).then(function (res) {
      button.disabled = false;
      button.textContent = L.sign_in;
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
  const note = handoff.flash || message;
  handoff.flash = null;
  page(L.sign_in_title, [
    note ? el("p", { class: "message", role: "status", text: note }) : null,
    el("p", { text: L.sign_in_intro }), form
  ], { noNav: true });
}
