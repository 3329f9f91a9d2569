// The console's DOM helpers: elements, labelled fields, sections headed for screen readers,
// tables, messages next to the control they speak for, and times in the street's zone. `UI`
// bundles them with the words and the API client for the view modules that take a `ui`
// (admin-slips.js, admin-remedies.js).
import { lang, L, P, t, format } from "./admin-text.js";
import { api, apiRetry, problemText } from "./admin-api.js";

const root = document.getElementById("console");

let uid = 0;
export function nextId(prefix) { uid += 1; return (prefix || "c") + "-" + uid; }

export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    const v = attrs[k];
    if (v === undefined || v === null || v === false) return;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k === "on") Object.keys(v).forEach(function (ev) { node.addEventListener(ev, v[ev]); });
    else if (v === true) node.setAttribute(k, "");
    else node.setAttribute(k, v);
  });
  (children || []).forEach(function (c) {
    if (c === null || c === undefined || c === false) return;
    node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  });
  return node;
}

/** An empty alert placed right after the control it speaks for. */
export function alertBox() { return el("p", { class: "message error alert", role: "alert" }); }
export function statusBox() { return el("p", { class: "message ok alert", role: "status" }); }
export function say(box, text) { box.textContent = text || ""; }

export function field(labelText, input, help) {
  const id = input.id || (input.id = nextId("f"));
  const parts = [el("label", { for: id, text: labelText })];
  if (help) {
    const hid = id + "-help";
    input.setAttribute("aria-describedby", hid);
    parts.push(input, el("p", { class: "help", id: hid, text: help }));
  } else parts.push(input);
  return el("div", { class: "field" }, parts);
}

export function section(title, children, attrs) {
  const hid = nextId("h");
  const a = Object.assign({ "aria-labelledby": hid }, attrs || {});
  return el("section", a, [el("h2", { id: hid, text: title })].concat(children));
}

export function tableWrap(caption, head, rows) {
  const table = el("table", { class: "results" }, [
    el("caption", { class: "visually-hidden", text: caption }),
    el("thead", {}, [el("tr", {}, head.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
    el("tbody", {}, rows.map(function (r) {
      return el("tr", {}, r.map(function (c, i) {
        if (c && c.nodeType) return el("td", {}, [c]);  // a control in the cell (a choice to make)
        return el(i === 0 ? "th" : "td", i === 0 ? { scope: "row", text: c } : { text: c });
      }));
    }))
  ]);
  return el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption }, [table]);
}

function pad(n) { return (n < 10 ? "0" : "") + n; }
// Times people read are in the street's time zone (the server's --timezone), whatever the
// browser's own is; the API keeps UTC.
const timeZone = (root && root.getAttribute("data-timezone")) || undefined;
export function formatDate(s) {
  if (!s) return "";
  const d = new Date(s);
  if (isNaN(d.getTime())) return s;
  try {
    const parts = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(d).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  } catch (e) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
}

/** The helpers the view modules that take a `ui` use. */
export const UI = { lang: lang, L: L, P: P, t: t, el: el, field: field, nextId: nextId, alertBox: alertBox, say: say, section: section,
  api: api, apiRetry: apiRetry, problemText: problemText, formatDate: formatDate, format: format };
