// Canonical JSON (RFC 8785, as SPEC §5's profile has it) for the browser's verifier
// (verify-bundle.js; loaded before it, after verify-bundle-files.js): the exact bytes of a
// value, and a document read only if it is written exactly so.
var VerifyBundleJson = (function () {
  "use strict";
  var repr = Tlog.repr;
  // No lone surrogate (String.prototype.isWellFormed where the engine has it, e.g. not Node 18).
  function wellFormed(s) { return typeof s.isWellFormed === "function" ? s.isWellFormed() : !/\p{Cs}/u.test(s); }
  // The JCS bytes of a value (as a string): keys sorted by UTF-16 unit (ASCII keys only),
  // JSON.stringify's strings, integers only. Throws on anything else.
  function jcs(v) {
    if (typeof v === "string") {
      if (!wellFormed(v)) throw new Error("lone surrogate in a string");
      return JSON.stringify(v);
    }
    if (typeof v === "number") {
      if (!Number.isSafeInteger(v)) throw new Error("floating-point number " + v);
      return String(v);
    }
    if (v === null || typeof v === "boolean") return String(v);
    if (Array.isArray(v)) return "[" + v.map(jcs).join(",") + "]";
    var keys = Object.keys(v).sort(), out = [];
    for (var i = 0; i < keys.length; i++) {
      if (!/^[\x00-\x7f]*$/.test(keys[i])) throw new Error("non-ASCII key " + repr(keys[i]));
      out.push(JSON.stringify(keys[i]) + ":" + jcs(v[keys[i]]));
    }
    return "{" + out.join(",") + "}";
  }
  // Whether JSON.stringify writes this value as jcs does: every object's keys ASCII and in
  // order, integers only, strings well formed. (JSON.parse puts integer-like keys first, so an
  // object with them fails here and goes to jcs.)
  function plainlyCanonical(v) {
    if (typeof v === "string") return wellFormed(v);
    if (typeof v === "number") return Number.isSafeInteger(v);
    if (v === null || typeof v === "boolean") return true;
    if (Array.isArray(v)) return v.every(plainlyCanonical);
    var keys = Object.keys(v);
    for (var i = 0; i < keys.length; i++) {
      var k = keys[i];
      if ((i > 0 && !(keys[i - 1] < k)) || !/^[\x00-\x7f]*$/.test(k) || !plainlyCanonical(v[k])) return false;
    }
    return true;
  }
  // The canonical JSON profile nests values at most 32 deep, as the log writes and reads it.
  function tooDeep(v, depth) {
    if (depth >= 32) return true;
    if (v === null || typeof v !== "object") return false;
    var values = Array.isArray(v) ? v : Object.values(v);
    for (var i = 0; i < values.length; i++) if (tooDeep(values[i], depth + 1)) return true;
    return false;
  }
  // A JSON document of these bytes that JCS writes back to exactly them: the value, or throws.
  // The engine's own JSON.stringify checks the common case; jcs decides the rest.
  function parseCanonical(bytes, what) {
    var text;
    try { text = decoder.decode(bytes); } catch (e) { throw new Error("not UTF-8"); }
    var value = JSON.parse(text);
    if (tooDeep(value, 0)) throw new Error("nested too deeply");
    if ((JSON.stringify(value) !== text || !plainlyCanonical(value)) && jcs(value) !== text)
      throw new Error((what ? what + " is " : "") + "not canonical JSON");
    return value;
  }
  var decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  return { jcs: jcs, parseCanonical: parseCanonical };
})();
