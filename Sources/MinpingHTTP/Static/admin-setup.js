// The first run (/setup#<code>): the link the server prints once, at its first start, makes the
// operator's account. The code is read from the address's fragment (it never reaches a log);
// the person chooses a user name and a password (twice), and is then signed in and taken to the
// console. A link used already, or an old one, is said in words with the way on.
import { L, t, langQuery } from "./admin-text.js";
import { el, field, alertBox, say } from "./admin-ui.js";
import { api, problemText } from "./admin-api.js";
import { startSession } from "./admin-session.js";
import { page, route, handoff, keepLangLink } from "./admin-router.js";

const MIN = 8, MAX_BYTES = 72;

function bytes(s) { return new TextEncoder().encode(s).length; }

/** The sign-in page's address, for a link that cannot be used. */
function consoleLink() {
  return el("p", {}, [el("a", { href: "/admin" + langQuery, class: "button", text: L.setup_to_sign_in })]);
}

export function setupPage() {
  keepLangLink();
  const code = decodeURIComponent(location.hash.replace(/^#/, "")).trim();
  if (!code) {
    page(L.setup_title, [el("p", { class: "message error", role: "alert", id: "setup-alert", text: L.setup_no_code }), consoleLink()], { noNav: true });
    return;
  }
  const user = el("input", { type: "text", id: "setup-user", name: "username", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true, maxlength: "64" });
  const pass1 = el("input", { type: "password", id: "setup-password", name: "new-password", autocomplete: "new-password", required: true, minlength: String(MIN) });
  const pass2 = el("input", { type: "password", id: "setup-password-again", name: "new-password-again", autocomplete: "new-password", required: true, minlength: String(MIN) });
  const button = el("button", { type: "submit", class: "primary", id: "setup-button", text: L.setup_button });
  const alert = alertBox();
  alert.id = "setup-alert";
  const form = el("form", { class: "stack", id: "setup-form", novalidate: true }, [
    field(L.user_name, user, L.user_name_help),
    field(L.password, pass1, t("password_help", { min: MIN })),
    field(L.password_again, pass2),
    button, alert
  ]);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    const name = user.value.trim();
    if (!/^[\p{L}\p{N}._-]{1,64}$/u.test(name)) { say(alert, L.user_name_help); user.focus(); return; }
    if (pass1.value.length < MIN || bytes(pass1.value) > MAX_BYTES) { say(alert, t("password_help", { min: MIN })); pass1.focus(); return; }
    if (pass1.value !== pass2.value) { say(alert, L.passwords_differ); pass2.value = ""; pass2.focus(); return; }
    button.disabled = true;
    button.textContent = L.working;
    say(alert, "");
    api("POST", "/setup", { code: code, user: name, password: pass1.value }, { signingIn: true }).then(function (res) {
      button.disabled = false;
      button.textContent = L.setup_button;
      if (res.ok && res.data && res.data.role) {
        pass1.value = ""; pass2.value = "";
        startSession(res.data);
        // The code is spent: the address becomes the console's, without it.
        history.replaceState(null, "", "/admin" + langQuery + "#/");
        handoff.flash = t("setup_done", { user: res.data.user });
        route();
        return;
      }
      if (res.status === 403) {
        form.replaceWith(el("div", { class: "stack" }, [el("p", { class: "message error", role: "alert", id: "setup-used", text: L.setup_link_used }), consoleLink()]));
        return;
      }
      say(alert, problemText(res));
    });
  });
  page(L.setup_title, [el("p", { text: L.setup_intro }), form], { noNav: true });
}
