// 扫码试投 on the evaluation page: before printing for real, one slip of a throwaway drill to
// scan with a phone, and a warning when the address printed on slips is not HTTPS (a phone can
// make the anonymous ballot of a code slip only on an HTTPS page). The drill is listed nowhere.
import { L } from "./admin-text.js";
import { el, section, alertBox, say } from "./admin-ui.js";
import { api, problemText } from "./admin-api.js";

/** The section, for an admin while slips are still being printed. */
export function drillSection(baseURL) {
  const secure = /^https:\/\//i.test(baseURL);
  const alert = alertBox();
  const result = el("div", { class: "drill", id: "drill-result" });
  const button = el("button", { type: "button", id: "drill", text: L.drill_make });
  button.addEventListener("click", function () {
    button.disabled = true;
    say(alert, "");
    api("POST", "/drills", {}).then(function (res) {
      button.disabled = false;
      if (!res.ok) { say(alert, problemText(res)); return; }
      const figure = el("figure", { class: "drill-qr" });
      // The server's own SVG of the slip's QR code (no script in it).
      figure.innerHTML = res.data.qr_svg;
      result.replaceChildren(
        el("p", { text: L.drill_scan }),
        figure,
        el("p", { class: "help" }, [L.drill_address + " ", el("code", { text: res.data.url })]),
        el("p", { class: "help", text: L.drill_note }));
    });
  });
  const children = [];
  if (!secure) children.push(el("p", { class: "message error", id: "https-warning", role: "note", text: L.drill_not_https }));
  children.push(el("p", { class: "help", text: L.drill_help }), button, alert, result);
  return section(L.drill_title, children, { id: "drill-section" });
}
