// The operator's accounts (SPEC §7): who may sign in, for which street and in which role; a new
// account's temporary password, shown this once; 停用 and 重置密码, each confirmed first; and the
// list of what was done to accounts, newest first. Streets are named here too (the same
// section as on the operator's home), so a new street and its admin are made on one page.
import { L, P, t } from "./admin-text.js";
import { el, field, section, alertBox, statusBox, say, tableWrap, formatDate, UI } from "./admin-ui.js";
import { api, apiRetry, problemText } from "./admin-api.js";
import { whoami } from "./admin-session.js";
import { page, generation } from "./admin-router.js";
import { streetNamesSection } from "./admin-slips.js";

const ROLES = ["admin", "reviewer", "teller", "operator"];
const OTHER = "-other-";

function roleName(role) { return L["role_" + role] || role; }

function loading() { return el("p", { role: "status", text: L.loading }); }

/** A refusal, for the account routes: a name taken is said as such, not as a key's refusal. */
function refusal(res) {
  if (res.status === 403 && res.code === "forbidden") return L.account_refused;
  return problemText(res);
}

export function accountsPage() {
  const myGen = generation();
  const me = (whoami() || {}).user;
  const secretBox = el("div", { id: "temp-password-box" });
  const tableBox = el("div", { id: "accounts-body" }, [loading()]);
  const activityBox = el("div", { id: "activity-body" }, [loading()]);
  const form = createForm();
  const streetsBox = el("div", { id: "account-streets" });
  streetsBox.appendChild(streetNamesSection(UI, streetNamed));
  page(L.accounts_title, [
    el("p", { text: L.accounts_intro }),
    secretBox,
    section(L.account_new, [form.node], { id: "account-new" }),
    section(L.accounts_list, [tableBox], { id: "accounts" }),
    streetsBox,
    section(L.account_activity, [el("p", { class: "help", text: L.account_activity_intro }), activityBox], { id: "activity" })
  ]);
  form.loadStreets();
  loadAccounts();

  /** A street named: its section drawn again (the list), and the form's street list too. */
  function streetNamed() {
    streetsBox.textContent = "";
    const fresh = streetNamesSection(UI, streetNamed);
    fresh.insertBefore(el("p", { class: "message ok", role: "status", text: L.street_named }), fresh.children[1]);
    streetsBox.appendChild(fresh);
    form.loadStreets();
  }

  /** The temporary password just made: shown this once, never fetched again. */
  function showSecret(user, password, made) {
    secretBox.textContent = "";
    const value = el("code", { id: "temp-password", class: "secret", text: password });
    const copied = statusBox();
    const copy = el("button", { type: "button", id: "copy-password", text: L.copy_button });
    copy.addEventListener("click", function () {
      const done = function () { say(copied, L.copy_done); };
      const select = function () {
        const range = document.createRange();
        range.selectNodeContents(value);
        const sel = window.getSelection();
        sel.removeAllRanges(); sel.addRange(range);
        say(copied, L.copy_by_hand);
      };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(password).then(done, select);
      else select();
    });
    const hide = el("button", { type: "button", id: "hide-password", class: "link-button", text: L.temp_password_hide });
    hide.addEventListener("click", function () { secretBox.textContent = ""; });
    const box = section(L.temp_password_title, [
      el("p", { id: "temp-password-for", text: t(made ? "temp_password_made" : "temp_password_reset", { user: user }) }),
      el("p", { class: "secret-line" }, [value, " ", copy]), copied,
      el("p", { class: "message", id: "temp-password-warning", text: L.temp_password_warning }),
      hide
    ], { id: "temp-password-section", class: "secret-box", tabindex: "-1" });
    secretBox.appendChild(box);
    box.focus();
  }

  function createForm() {
    const user = el("input", { type: "text", id: "account-user", autocomplete: "off", autocapitalize: "none", spellcheck: "false", required: true, maxlength: "64" });
    const role = el("select", { id: "account-role" }, ROLES.map(function (r) { return el("option", { value: r, text: roleName(r) }); }));
    const street = el("select", { id: "account-street" });
    const slug = el("input", { type: "text", id: "account-street-slug", pattern: "[a-z0-9\\-]{1,64}", autocomplete: "off", spellcheck: "false" });
    const slugField = field(L.account_street_slug, slug, L.street_help);
    const streetField = el("div", { class: "stack" }, [field(L.street, street), slugField]);
    // A teller (计票人) counts the paper forms of one evaluation: its id (its street is the account's).
    const evaluation = el("input", { type: "text", id: "account-evaluation", pattern: "[a-z0-9\\-]{1,64}", autocomplete: "off", spellcheck: "false" });
    const evaluationField = field(L.account_evaluation, evaluation, L.account_evaluation_help);
    const button = el("button", { type: "submit", class: "primary", id: "account-create", text: L.account_create });
    const alert = alertBox();
    alert.id = "account-alert";
    function sync() {
      streetField.hidden = role.value === "operator" || role.value === "teller";
      evaluationField.hidden = role.value !== "teller";
      slugField.hidden = street.value !== OTHER;
    }
    role.addEventListener("change", sync);
    street.addEventListener("change", sync);
    const node = el("form", { id: "account-form", class: "stack" }, [
      el("p", { class: "help", text: L.account_new_intro }),
      field(L.user_name, user, L.user_name_help), field(L.role, role), streetField, evaluationField, button, alert
    ]);
    node.addEventListener("submit", function (e) {
      e.preventDefault();
      const name = user.value.trim();
      if (!/^[\p{L}\p{N}._-]{1,64}$/u.test(name)) { say(alert, L.user_name + P.colon + L.user_name_help); user.focus(); return; }
      const body = { user: name, role: role.value };
      if (role.value === "teller") {
        body.evaluation = evaluation.value.trim();
        if (!/^[a-z0-9-]{1,64}$/.test(body.evaluation)) { say(alert, L.account_evaluation_help); evaluation.focus(); return; }
      } else if (role.value !== "operator") {
        body.street = street.value === OTHER ? slug.value.trim() : street.value;
        if (!/^[a-z0-9-]{1,64}$/.test(body.street || "")) { say(alert, L.account_street_needed); (street.value === OTHER ? slug : street).focus(); return; }
      }
      button.disabled = true; say(alert, "");
      apiRetry("POST", "/accounts", body).then(function (res) {
        button.disabled = false;
        if (!res.ok || !res.data) { say(alert, refusal(res)); return; }
        user.value = ""; slug.value = ""; evaluation.value = "";
        showSecret(res.data.user, res.data.temporary_password, true);
        loadAccounts();
      });
    });
    function loadStreets() {
      api("GET", "/streets").then(function (res) {
        const keep = street.value;
        street.textContent = "";
        ((res.ok && res.data && res.data.streets) || []).forEach(function (s) {
          street.appendChild(el("option", { value: s.street, text: s.name + P.open + s.street + P.close }));
        });
        street.appendChild(el("option", { value: OTHER, text: L.account_street_other }));
        if (keep && Array.prototype.some.call(street.options, function (o) { return o.value === keep; })) street.value = keep;
        sync();
      });
    }
    sync();
    return { node: node, loadStreets: loadStreets };
  }

  /** A button that asks first: `question`, then 确定 or 取消; `run()` returns the API's answer. */
  function confirmed(user, action, label, question, run) {
    const box = el("div", { class: "action" });
    const button = el("button", { type: "button", class: action === "disable" ? "danger" : "", "data-account": user, "data-do": action, text: label });
    const confirmBox = el("div", { class: "confirm", hidden: true, role: "group", "aria-label": label + P.colon + user });
    const yes = el("button", { type: "button", class: "primary confirm-yes", text: L.confirm + P.comma + label });
    const no = el("button", { type: "button", class: "confirm-no", text: L.cancel });
    const alert = alertBox();
    confirmBox.appendChild(el("p", { class: "question", text: question }));
    confirmBox.appendChild(el("div", { class: "inline" }, [yes, no]));
    button.addEventListener("click", function () { button.hidden = true; confirmBox.hidden = false; say(alert, ""); yes.focus(); });
    no.addEventListener("click", function () { confirmBox.hidden = true; button.hidden = false; button.focus(); });
    yes.addEventListener("click", function () {
      yes.disabled = true; no.disabled = true;
      run().then(function (res) {
        yes.disabled = false; no.disabled = false;
        if (!res.ok) { say(alert, refusal(res)); return; }
        if (res.data && res.data.temporary_password) showSecret(user, res.data.temporary_password, false);
        loadAccounts(t(action === "disable" ? "account_disabled_done" : "account_reset_done", { user: user }));
      });
    });
    box.appendChild(button); box.appendChild(confirmBox); box.appendChild(alert);
    return box;
  }

  function stateOf(a) {
    if (a.disabled) return L.account_state_disabled;
    if (a.locked_until) return t("account_state_locked", { date: formatDate(a.locked_until) });
    return L.account_state_active;
  }

  function row(a) {
    const path = "/accounts/" + encodeURIComponent(a.user);
    const actions = el("div", { class: "account-actions" });
    if (a.user === me) actions.appendChild(el("span", { class: "help", text: L.account_you }));
    else if (!a.disabled) {
      actions.appendChild(confirmed(a.user, "disable", L.account_disable, t("account_disable_q", { user: a.user }),
        function () { return apiRetry("POST", path + "/disable", {}); }));
      actions.appendChild(confirmed(a.user, "reset", L.account_reset, t("account_reset_q", { user: a.user }),
        function () { return apiRetry("POST", path + "/password-reset", {}); }));
    }
    return [a.user, roleName(a.role),
      a.street ? (a.street_name ? a.street_name + P.open + a.street + P.close : a.street) : L.all_streets,
      stateOf(a), a.last_sign_in_at ? formatDate(a.last_sign_in_at) : L.account_never, formatDate(a.created_at), actions];
  }

  function loadAccounts(message) {
    api("GET", "/accounts").then(function (res) {
      if (myGen !== generation()) return;
      tableBox.textContent = "";
      if (message) tableBox.appendChild(el("p", { class: "message ok", role: "status", id: "accounts-flash", text: message }));
      if (!res.ok || !res.data) { tableBox.appendChild(el("p", { class: "message error", role: "alert", text: problemText(res) })); return; }
      const list = res.data.accounts || [];
      tableBox.appendChild(tableWrap(L.accounts_list, [L.user_name, L.role, L.street, L.account_state, L.account_last_sign_in, L.account_created, L.account_actions],
        list.map(row)));
      tableBox.querySelector("table").id = "accounts-table";
    });
    loadActivity();
  }

  function detailWords(detail) {
    return String(detail || "").split(" ").map(function (w) { return ROLES.indexOf(w) >= 0 ? roleName(w) : w; }).join(" ");
  }

  function loadActivity() {
    api("GET", "/accounts/activity").then(function (res) {
      if (myGen !== generation()) return;
      activityBox.textContent = "";
      if (!res.ok || !res.data) { activityBox.appendChild(el("p", { class: "message error", role: "alert", text: problemText(res) })); return; }
      const lines = res.data.activity || [];
      if (!lines.length) { activityBox.appendChild(el("p", { text: L.account_activity_none })); return; }
      activityBox.appendChild(el("ol", { class: "activity", id: "activity-list" }, lines.map(function (x) {
        return el("li", {}, [el("span", { class: "when", text: formatDate(x.at) }), " ",
          t("account_activity_line", { actor: x.actor === "setup" ? L.account_actor_setup : x.actor,
            action: L["account_action_" + x.action] || x.action, user: x.user }),
          x.detail ? P.open + detailWords(x.detail) + P.close : ""]);
      })));
    });
  }
}
