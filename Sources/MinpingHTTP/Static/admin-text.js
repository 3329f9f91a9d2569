// The console's words: the one label catalogue the server's pages are rendered with too
// (labels.zh.json, labels.en.json beside this file), so the console and the board call a state
// by the same name. Chinese first, English with ?lang=en. The catalogue is fetched once, before
// the first view is drawn (admin.js awaits loadLabels); nothing reads L before that.
const root = document.getElementById("console");

export const lang = /^en/i.test(document.documentElement.lang || (root && root.getAttribute("data-lang")) || "") ? "en" : "zh";
/** Appended to the server's pages the console links to (the board, the slips). */
export const langQuery = lang === "en" ? "?lang=en" : "";

/** Every label by key; one object for the page's life, filled by loadLabels(). */
export const L = {};

// Punctuation: full-width in Chinese, ASCII in English.
export const P = lang === "en" ? { colon: ": ", open: " (", close: ")", comma: ", ", semi: "; " } : { colon: "：", open: "（", close: "）", comma: "，", semi: "；" };

/** Fetches this language's catalogue from where this module was served (/static/). */
export function loadLabels() {
  return fetch(new URL("labels." + lang + ".json", import.meta.url), { credentials: "omit" }).then(function (r) {
    if (!r.ok) throw new Error("labels." + lang + ".json: " + r.status);
    return r.json();
  }).then(function (labels) { Object.assign(L, labels); });
}

/** The label `key` with its {placeholders} filled; the key itself when the catalogue lacks it. */
export function t(key, vars) {
  let s = L[key];
  if (s === undefined) s = key;
  return vars ? s.replace(/\{(\w+)\}/g, function (_, n) { return vars[n] === undefined || vars[n] === null ? "" : String(vars[n]); }) : s;
}

/** Fills a label already looked up (the view modules get it through `ui.format`). */
export function format(s, vars) {
  return s.replace(/\{(\w+)\}/g, function (_, n) { return vars[n] === undefined ? "" : String(vars[n]); });
}

const STATES = ["draft", "open", "closed", "preliminary", "final", "annulled"];
/** The lifecycle state's name, the board's own (state_draft 准备中); an unknown state as sent. */
export function stateName(s) { return STATES.indexOf(s) >= 0 ? L["state_" + s] : s; }
