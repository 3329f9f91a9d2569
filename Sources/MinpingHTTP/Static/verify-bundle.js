// The dispute reviewer's verifier in the browser (/verify): every check of SPEC §5 on an audit
// bundle, with the same check names, the same first failure (seq and check) and the same
// wording as `minping audit verify` and tools/verify_bundle.py, whose steps it follows one by one.
// WebCrypto does the hashing and every signature (RSA-PSS for the tokens, as RFC 9578 allows;
// Ed25519 for checkpoints and cosignatures); the Merkle tree and the signed notes are tlog.js's,
// the voting and receipt pages' own; opening the file and canonical JSON are verify-bundle-files.js's
// and verify-bundle-json.js's, joined before this one. It runs in a Web Worker and in Node (tests).
var VerifyBundle = (function () {
  "use strict";
  var T = Tlog;
  // The bundle as a file, and canonical JSON: verify-bundle-files.js and verify-bundle-json.js.
  var Unreadable = VerifyBundleFiles.Unreadable, unpack = VerifyBundleFiles.unpack;
  var bytesSource = VerifyBundleFiles.bytesSource, lineReader = VerifyBundleFiles.lineReader;
  var jcs = VerifyBundleJson.jcs, parseCanonical = VerifyBundleJson.parseCanonical;
  var ZERO = "0".repeat(64);
  var HEX64 = /^[0-9a-f]{64}$/;
  var TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
  var PERCENT = /^(\d{1,3})(?:\.(\d{1,2}))?$/;
  var SLUG = /^[a-z0-9-]{1,64}$/;
  var SUBJECT_ID = /^[a-z0-9_-]{1,64}$/;
  var BASE64URL = /^[A-Za-z0-9_-]+$/;
  // SPEC §5 "Types and their fields": what each entry type carries besides v, seq, prev and
  // type, and of what kind. Fields in OPTIONAL may be absent; nothing else may be present.
  var FIELDS = {
    created: { definition: "object", token_key_spki: "string", token_key_id: "string", log_verifier_key: "string" },
    slips_issued: { count: "int", issued: "int" },
    slips_voided: { batch: "string", count: "int", issued: "int" },
    token_issued: { issued: "int" },
    opened: { at: "string" },
    ballot: { token: "string", ratings: "ratings" },
    closed: { at: "string", ballots: "int", issued: "int" },
    results: { stage: "string", at: "string", results: "object" },
    appeal_filed: { appeal: "string", subject: "string", text_sha256: "sha256" },
    appeal_resolved: { appeal: "string", outcome: "string", note_sha256: "sha256", remedy: "string" },
    annulled: { at: "string", reason_sha256: "sha256" },
    withheld: { subject: "string", star: "string", reason: "string", appeal: "string" },
    corrected: { subject: "string", name: "string", organization: "string", appeal: "string" },
    revote_opened: { round: "int", subjects: "strings", token_key_spki: "string", token_key_id: "string", appeal: "string" }
  };
  var OPTIONAL = { "appeal_filed.subject": 1, "appeal_resolved.remedy": 1, "withheld.appeal": 1, "corrected.name": 1, "corrected.organization": 1 };
  // The remedy each upheld appeal names, and the entry type that must follow it at once.
  var REMEDY_ENTRY = { withhold: "withheld", correct: "corrected", revote: "revote_opened", annul: "annulled" };
  var KIND_WORDS = { string: "a string", int: "an integer", object: "an object", ratings: "an object of option ids",
                     sha256: "64 lowercase hex digits", strings: "an array of strings" };
  // The states each type may come in (results are checked on their own).
  var ALLOWED = {
    created: [], slips_issued: ["draft", "open"], token_issued: ["draft", "open"], slips_voided: ["draft", "open"],
    opened: ["draft"], ballot: ["draft", "open", "closed", "preliminary", "final"], closed: ["open"],
    appeal_filed: ["preliminary"], appeal_resolved: ["preliminary"], annulled: ["draft", "open", "closed", "preliminary"],
    withheld: ["preliminary"], corrected: ["preliminary"], revote_opened: ["preliminary"]
  };
  var CHUNK = 4096;   // entries examined at once: their hashes and tokens go to WebCrypto together

  function Fail(seq, check, detail) { this.seq = seq; this.check = check; this.detail = detail; }
  function own(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  function isInt(v) { return typeof v === "number" && Number.isInteger(v); }
  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  var repr = T.repr;
  // A value as Python's repr writes it in tools/verify_bundle.py's details.
  function pyValue(v) {
    if (typeof v === "string") return repr(v);
    if (v === null || v === undefined) return "None";
    if (typeof v === "boolean") return v ? "True" : "False";
    return typeof v === "number" ? String(v) : JSON.stringify(v);
  }
  // Python's order of strings: by code point (JavaScript's sort goes by UTF-16 unit).
  function byCodePoint(a, b) {
    var x = Array.from(a, function (c) { return c.codePointAt(0); }), y = Array.from(b, function (c) { return c.codePointAt(0); });
    for (var i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  }

  var decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  var encoder = new TextEncoder();
  // ---------------------------------------------------------------- counting (SPEC §3)

  function percentBP(p) {
    var m = typeof p === "string" ? PERCENT.exec(p) : null;
    if (!m) throw new Error("bad percent " + pyValue(p));
    var bp = Number(m[1]) * 100 + Number((m[2] || "0").padEnd(2, "0"));
    if (bp > 10000) throw new Error("percent over 100");
    return bp;
  }
  function rateText(sat, den) {
    if (den === 0) return null;
    var tenths = Math.floor((sat * 1000 * 2 + den) / (2 * den));
    return Math.floor(tenths / 10) + "." + (tenths % 10);
  }
  // Members, then organizations, then cadres: the order of the recount's subjects.
  function subjectIDs(defn) {
    return defn.members.map(function (m) { return m.id; }).concat(defn.organizations.map(function (o) { return o.id; }),
      (defn.cadres || []).map(function (c) { return c.id; }));
  }
  // How many ballots rated each subject with each option: table[subject index][option number],
  // option numbers from 1 (0: not rated).
  function Tally(defn) {
    var width = defn.options.length + 1;
    this.width = width;
    this.cells = new Float64Array(subjectIDs(defn).length * width);
    this.ballots = 0;
  }
  Tally.prototype.add = function (vector) {   // vector: [subject index, option number, ...]
    for (var i = 0; i < vector.length; i += 2) this.cells[vector[i] * this.width + vector[i + 1]] += 1;
    this.ballots += 1;
  };
  Tally.prototype.count = function (subject, option) { return this.cells[subject * this.width + option]; };

  function recount(defn, tally, stage) {
    var options = defn.options, rules = defn.rules, electorate = defn.electorate, nb = tally.ballots;
    var quorumMet = true;
    if (rules.quorum_percent !== undefined && rules.quorum_percent !== null) quorumMet = nb * 10000 > percentBP(rules.quorum_percent) * electorate;
    var kinds = defn.members.map(function (m) { return [m, "member", rules.member_stars]; })
      .concat(defn.organizations.map(function (o) { return [o, "organization", rules.organization_stars]; }),
              (defn.cadres || []).map(function (c) { return [c, "cadre", rules.cadre_stars || []]; }));
    var flagRules = rules.flags || [];
    var subjects = kinds.map(function (k, index) {
      var subj = k[0], kind = k[1], stars = k[2];
      var counts = Object.create(null), sat = 0, dis = 0, answers = 0;
      options.forEach(function (o, j) {
        var n = tally.count(index, j + 1);
        counts[o.id] = n;
        if (o.satisfied) sat += n;
        if (o.dissatisfied) dis += n;
        if (!o.abstain) answers += n;
      });
      var den = { ballots: nb, answers: answers, electorate: electorate }[rules.denominator];
      var awarded = [];
      if (quorumMet && den > 0) {
        stars.forEach(function (st) {
          var bp = percentBP(st.percent);
          if (rules.comparison === "above" ? sat * 10000 > bp * den : sat * 10000 >= bp * den) awarded.push(st.star);
        });
      }
      var s = { id: subj.id, kind: kind, name: subj.name };
      if (kind === "member" && subj.organization !== undefined && subj.organization !== null) s.organization = subj.organization;
      s.counts = counts; s.satisfied = sat; s.denominator = den; s.rate = rateText(sat, den); s.stars = awarded;
      var applying = flagRules.filter(function (f) { return f.kinds.indexOf(kind) >= 0; });
      if (applying.length) {   // SPEC §2 flags, in integers; absent where no rule applies, none without quorum
        var raised = [];
        if (quorumMet && den > 0) {
          applying.forEach(function (f) {
            var hit = own(f, "below") ? sat * 10000 < percentBP(f.below) * den : dis * 10000 > percentBP(f.dissatisfied_above) * den;
            if (hit) raised.push(f.flag);
          });
        }
        s.flags = raised;
      }
      return s;
    });
    return { evaluation: defn.id, stage: stage, electorate: electorate, ballots: nb, quorum_met: quorumMet, subjects: subjects };
  }

  // SPEC §3 with remedies: round 1's recount; each subject of a supplementary round counted from
  // the latest round that rated it; withheld stars moved to `withheld`; corrected names and
  // organizations shown, the roster's values in `corrected`; `rounds` at the top.
  function amended(defn, tallies, amendments, stage) {
    var res = recount(defn, tallies[0], stage), rounds = amendments.rounds;
    if (rounds.length) {
      var later = Object.create(null), latest = Object.create(null);
      rounds.forEach(function (r) {
        later[r.round] = recount(defn, tallies[r.round - 1], null);
        r.subjects.forEach(function (s) { latest[s] = r.round; });
      });
      res.subjects.forEach(function (s, k) {
        var r = latest[s.id];
        if (r === undefined) return;
        var src = later[r].subjects[k];
        ["counts", "satisfied", "denominator", "rate", "stars", "flags"].forEach(function (f) { if (own(src, f)) s[f] = src[f]; });
        s.round = r;
      });
      res.rounds = rounds.map(function (r) {
        return { round: r.round, subjects: r.subjects, ballots: tallies[r.round - 1].ballots, electorate: defn.electorate };
      });
    }
    var roster = Object.create(null);
    defn.members.concat(defn.organizations, defn.cadres || []).forEach(function (x) { roster[x.id] = x; });
    res.subjects.forEach(function (s) {
      var kept = (amendments.withheld[s.id] || []).filter(function (w) { return s.stars.indexOf(w.star) >= 0; });
      if (kept.length) {
        var gone = kept.map(function (w) { return w.star; });
        s.stars = s.stars.filter(function (x) { return gone.indexOf(x) < 0; });
        s.withheld = kept;
      }
      var fix = amendments.corrections[s.id];
      if (fix) {
        var before = {}, original = roster[s.id], changed = false;
        var originalOrg = own(original, "organization") ? original.organization : null;
        if (own(fix, "name") && fix.name !== original.name) { before.name = original.name; s.name = fix.name; changed = true; }
        if (own(fix, "organization") && fix.organization !== originalOrg) { before.organization = originalOrg; s.organization = fix.organization; changed = true; }
        if (changed) s.corrected = before;
      }
    });
    return res;
  }

  // SPEC §2's rules for a name or a public reason: visible, at most `limit` characters, no
  // control characters, noncharacters or bidi controls (line breaks allowed in a reason).
  function textProblem(value, where, limit) {
    var chars = Array.from(value);
    if (chars.every(function (ch) { return /^\s$/.test(ch) || "\u200b\u200c\u200d\u2060\ufeff\u001c\u001d\u001e\u001f\u0085".indexOf(ch) >= 0; }))
      return where + " must hold a visible character";
    if (chars.length > limit) return where + " must be at most " + limit + " characters";
    for (var i = 0; i < chars.length; i++) {
      var o = chars[i].codePointAt(0);
      if ((o < 0x20 && "\t\n\r".indexOf(chars[i]) < 0) || (o >= 0x7f && o <= 0x9f) || (o >= 0x202a && o <= 0x202e) ||
          (o >= 0x2066 && o <= 0x2069) || (o >= 0xfdd0 && o <= 0xfdef) || (o & 0xfffe) === 0xfffe)
        return where + " contains U+" + o.toString(16).toUpperCase().padStart(4, "0");
    }
    return null;
  }

  // ---------------------------------------------------------------- the definition (SPEC §2)

  function checkFields(obj, where, required, optional) {
    if (!isObject(obj)) throw new Error(where + " is not an object");
    var missing = required.filter(function (k) { return !own(obj, k); });
    var unknown = Object.keys(obj).filter(function (k) { return required.indexOf(k) < 0 && (optional || []).indexOf(k) < 0; }).sort();
    if (missing.length) throw new Error(where + " lacks " + missing.join(", "));
    if (unknown.length) throw new Error(where + " has unknown key " + unknown.join(", "));
  }
  // Python's str.strip(), as tools/verify_bundle.py reads a text: its whitespace, not JavaScript's.
  var PY_SPACE = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  var PY_STRIP = new RegExp("^" + PY_SPACE + "+|" + PY_SPACE + "+$", "g");
  function checkText(value, where, pattern) {
    if (typeof value !== "string" || !value.replace(PY_STRIP, "")) throw new Error(where + " must be non-empty text");
    if (value !== value.replace(PY_STRIP, "")) throw new Error(where + " has leading or trailing spaces");
    if (pattern && !pattern.test(value)) throw new Error(where + " " + repr(value) + " does not match " + pattern.source.slice(1, -1));
  }
  function unique(list) { return new Set(list).size === list.length; }
  function checkDefinition(defn) {
    checkFields(defn, "definition", ["id", "title", "street", "electorate", "publicity_days", "options", "rules", "organizations", "members"],
                ["community", "previous", "notice", "round", "cadres"]);
    checkText(defn.id, "id", SLUG);
    checkText(defn.street, "street", SLUG);
    checkText(defn.title, "title");
    if (own(defn, "community")) checkText(defn.community, "community");
    if (own(defn, "round")) {
      checkText(defn.round, "round");
      if (Array.from(defn.round).length > 32) throw new Error("round is at most 32 characters");
    }
    if (own(defn, "previous")) checkText(defn.previous, "previous", SLUG);
    if (own(defn, "notice")) {
      checkFields(defn.notice, "notice", [], ["date", "place", "contact", "issuer", "text"]);
      Object.keys(defn.notice).forEach(function (k) { checkText(defn.notice[k], "notice." + k); });
    }
    if (!isInt(defn.electorate) || defn.electorate < 1) throw new Error("electorate must be a whole number of at least 1");
    if (!isInt(defn.publicity_days) || defn.publicity_days < 0) throw new Error("publicity_days must be a whole number of at least 0");
    var opts = defn.options;
    if (!Array.isArray(opts) || !opts.length) throw new Error("options must be a non-empty list");
    opts.forEach(function (o, i) {
      var where = "options[" + i + "]";
      checkFields(o, where, ["id", "label", "satisfied", "abstain"], ["dissatisfied"]);
      checkText(o.id, where + ".id", SUBJECT_ID);
      checkText(o.label, where + ".label");
      if (typeof o.satisfied !== "boolean" || typeof o.abstain !== "boolean") throw new Error(where + ": satisfied and abstain must be true or false");
      if (o.satisfied && o.abstain) throw new Error(where + ": an option cannot be both satisfied and abstain");
      if (own(o, "dissatisfied")) {
        if (o.dissatisfied !== true) throw new Error(where + ": dissatisfied is written only as true");
        if (o.satisfied || o.abstain) throw new Error(where + ": a dissatisfied option cannot also be satisfied or abstain");
      }
    });
    if (!unique(opts.map(function (o) { return o.id; }))) throw new Error("duplicate option ids");
    if (!opts.some(function (o) { return o.satisfied; })) throw new Error("no option counts as satisfied");
    var r = defn.rules;
    checkFields(r, "rules", ["denominator", "comparison", "member_stars", "organization_stars"], ["quorum_percent", "cadre_stars", "flags"]);
    if (["ballots", "answers", "electorate"].indexOf(r.denominator) < 0 || ["above", "at_least"].indexOf(r.comparison) < 0)
      throw new Error("rules: unknown denominator or comparison");
    ["cadre_stars", "flags"].forEach(function (kind) {
      if (own(r, kind) && (!Array.isArray(r[kind]) || !r[kind].length)) throw new Error("rules." + kind + " is written only as a non-empty list");
    });
    (r.flags || []).forEach(function (f, i) {
      var where = "rules.flags[" + i + "]";
      checkFields(f, where, ["flag", "label", "kinds"], ["below", "dissatisfied_above"]);
      checkText(f.flag, where + ".flag", SUBJECT_ID);
      checkText(f.label, where + ".label");
      if (!Array.isArray(f.kinds) || !f.kinds.length || !unique(f.kinds) ||
          f.kinds.some(function (k) { return ["member", "organization", "cadre"].indexOf(k) < 0; }))
        throw new Error(where + ".kinds must list member, organization or cadre, each once");
      if (own(f, "below") === own(f, "dissatisfied_above")) throw new Error(where + " says exactly one of below and dissatisfied_above");
      percentBP(own(f, "below") ? f.below : f.dissatisfied_above);
      if (own(f, "dissatisfied_above") && !opts.some(function (o) { return o.dissatisfied; }))
        throw new Error(where + ": dissatisfied_above needs an option marked dissatisfied");
    });
    if (!unique((r.flags || []).map(function (f) { return f.flag; }))) throw new Error("rules.flags: duplicate flag ids");
    ["member_stars", "organization_stars"].concat(own(r, "cadre_stars") ? ["cadre_stars"] : []).forEach(function (kind) {
      if (!Array.isArray(r[kind])) throw new Error("rules." + kind + " must be a list");
      r[kind].forEach(function (st, i) {
        var where = "rules." + kind + "[" + i + "]";
        checkFields(st, where, ["star", "label", "percent"]);
        checkText(st.star, where + ".star", SUBJECT_ID);
        checkText(st.label, where + ".label");
        percentBP(st.percent);
      });
      if (!unique(r[kind].map(function (st) { return st.star; }))) throw new Error("rules." + kind + ": duplicate star ids");
    });
    if (own(r, "quorum_percent")) percentBP(r.quorum_percent);
    var orgs = defn.organizations, members = defn.members;
    if (!Array.isArray(orgs) || !Array.isArray(members)) throw new Error("organizations and members must be lists");
    orgs.forEach(function (o, i) {
      checkFields(o, "organizations[" + i + "]", ["id", "name"], ["renamed_from"]);
      checkText(o.id, "organizations[" + i + "].id", SUBJECT_ID);
      checkText(o.name, "organizations[" + i + "].name");
    });
    var orgIDs = new Set(orgs.map(function (o) { return o.id; }));
    members.forEach(function (m, i) {
      checkFields(m, "members[" + i + "]", ["id", "name"], ["organization", "renamed_from"]);
      checkText(m.id, "members[" + i + "].id", SUBJECT_ID);
      checkText(m.name, "members[" + i + "].name");
      if (own(m, "organization") && !orgIDs.has(m.organization))
        throw new Error("members[" + i + "].organization " + repr(m.organization) + " is not a listed organization");
    });
    var cadres = defn.cadres || [];
    if (own(defn, "cadres") && (!Array.isArray(cadres) || !cadres.length)) throw new Error("cadres is written only as a non-empty list");
    cadres.forEach(function (c, i) {
      checkFields(c, "cadres[" + i + "]", ["id", "name"], ["title", "renamed_from"]);
      checkText(c.id, "cadres[" + i + "].id", SUBJECT_ID);
      checkText(c.name, "cadres[" + i + "].name");
      if (own(c, "title")) checkText(c.title, "cadres[" + i + "].title");
    });
    var ids = subjectIDs(defn);
    if (!ids.length || !unique(ids)) throw new Error("empty or duplicate subject ids");
  }

  // ---------------------------------------------------------------- tokens (RFC 9578 type 0x0002)

  function der(bytes, pos) {
    var tag = bytes[pos], length = bytes[pos + 1];
    pos += 2;
    if (length & 0x80) {
      var n = length & 0x7f;
      length = 0;
      for (var i = 0; i < n; i++) length = length * 256 + bytes[pos + i];
      pos += n;
    }
    if (pos + length > bytes.length || tag === undefined) throw new Error("not DER");
    return { tag: tag, body: bytes.subarray(pos, pos + length), end: pos + length };
  }
  function b64url(bytes) { return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""); }
  // An RSA-2048 public key from its SPKI (RFC 9578 writes RSASSA-PSS's OID, which WebCrypto does
  // not take: n and e go in as a JWK), for RSA-PSS with SHA-384 and a 48-byte salt.
  async function rsaKey(spki) {
    var outer = der(spki, 0);
    if (outer.tag !== 0x30 || outer.end !== spki.length) throw new Error("SPKI is not a SEQUENCE (and nothing after it)");
    var algorithm = der(outer.body, 0), bits = der(outer.body, algorithm.end);
    if (bits.tag !== 0x03 || bits.body[0] !== 0) throw new Error("no BIT STRING");
    var pk = der(bits.body.subarray(1), 0);
    if (pk.tag !== 0x30) throw new Error("RSAPublicKey is not a SEQUENCE");
    var n = der(pk.body, 0), e = der(pk.body, n.end);
    if (n.tag !== 0x02 || e.tag !== 0x02) throw new Error("bad RSAPublicKey");
    var nBytes = n.body, eBytes = e.body;
    while (nBytes.length && nBytes[0] === 0) nBytes = nBytes.subarray(1);
    while (eBytes.length && eBytes[0] === 0) eBytes = eBytes.subarray(1);
    if (nBytes.length !== 256 || nBytes[0] < 0x80) throw new Error("not an RSA-2048 key");
    if (!(nBytes[255] & 1) || !(eBytes[eBytes.length - 1] & 1) || (eBytes.length === 1 && eBytes[0] < 3) || eBytes.length > 8)
      throw new Error("not an RSA public key (its modulus or exponent is not one)");
    try {
      return await crypto.subtle.importKey("jwk", { kty: "RSA", n: b64url(nBytes), e: b64url(eBytes), alg: "PS384", ext: true },
                                           { name: "RSA-PSS", hash: "SHA-384" }, false, ["verify"]);
    } catch (error) { throw new Error("not an RSA public key WebCrypto takes: " + error.message); }
  }
  async function challengeDigest(street, evaluation) {
    var s = encoder.encode(street), e = encoder.encode(evaluation);
    var ch = new Uint8Array(2 + 2 + s.length + 1 + 2 + e.length), at = 0;
    ch.set([0, 2, s.length >> 8, s.length & 0xff], at); at += 4;
    ch.set(s, at); at += s.length;
    ch.set([0, e.length >> 8, e.length & 0xff], at); at += 3;
    ch.set(e, at);
    return T.hex(await T.sha256(ch));
  }
  // base64url text (BASE64URL, length not 1 mod 4) to bytes, by table: a token a ballot.
  var SEXTET = new Int8Array(128).fill(-1);
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split("").forEach(function (c, i) { SEXTET[c.charCodeAt(0)] = i; });
  function b64urlDecode(text) {
    var n = text.length, out = new Uint8Array(Math.floor(n * 3 / 4)), o = 0, acc = 0, bits = 0;
    for (var i = 0; i < n; i++) {
      acc = (acc << 6) | SEXTET[text.charCodeAt(i)];
      bits += 6;
      if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 0xff; }
    }
    return out;
  }
  // Whether base64url text without padding is the one encoding of its bytes: the bits of its
  // last character past the last whole byte are zero.
  function canonicalB64url(text) {
    var last = SEXTET[text.charCodeAt(text.length - 1)], extra = text.length % 4;
    return extra === 0 || (extra === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0);
  }
  // A token's checks but the signature: {nonce (hex), message, authenticator} or {why}.
  function tokenParts(text, keyID, digest) {
    if (typeof text !== "string" || !BASE64URL.test(text)) return { why: "token is not base64url without padding" };
    if (text.length % 4 === 1) return { why: "token is not base64url" };
    if (!canonicalB64url(text)) return { why: "token base64url is not canonical" };
    var raw = b64urlDecode(text);
    if (raw.length !== 354) return { why: "token is " + raw.length + " bytes, not 354" };
    if (raw[0] !== 0 || raw[1] !== 2) return { why: "token type is not 0x0002" };
    if (T.hex(raw.subarray(34, 66)) !== digest) return { why: "challenge digest is not this evaluation's" };
    if (T.hex(raw.subarray(66, 98)) !== keyID) return { why: "token key id is not this evaluation's" };
    return { nonce: T.hex(raw.subarray(2, 34)), message: raw.subarray(0, 98), authenticator: raw.subarray(98) };
  }
  // Resolves {nonce} or {why}: the token verified under `key` (its CryptoKey and hex key id).
  async function checkToken(text, key, digest) {
    var parts = tokenParts(text, key.id, digest);
    if (parts.why) return parts;
    var ok = await crypto.subtle.verify({ name: "RSA-PSS", saltLength: 48 }, key.crypto, parts.authenticator, parts.message);
    return ok ? { nonce: parts.nonce } : { why: "authenticator does not verify" };
  }

  // ---------------------------------------------------------------- entries, one at a time

  function checkEntryShape(e) {
    var t = e.type, fields = FIELDS[t];
    Object.keys(fields).forEach(function (k) {
      if (!own(e, k)) {
        if (OPTIONAL[t + "." + k]) return;
        throw new Error("a " + t + " entry needs " + repr(k));
      }
      var v = e[k], kind = fields[k], ok;
      if (kind === "string") ok = typeof v === "string";
      else if (kind === "int") ok = isInt(v);
      else if (kind === "object") ok = isObject(v);
      else if (kind === "ratings") ok = isObject(v) && Object.keys(v).every(function (s) { return typeof v[s] === "string"; });
      else if (kind === "sha256") ok = typeof v === "string" && HEX64.test(v);
      else ok = Array.isArray(v) && v.every(function (x) { return typeof x === "string"; });
      if (!ok) throw new Error(repr(k) + " of a " + t + " entry is not " + KIND_WORDS[kind]);
    });
    var extra = Object.keys(e).filter(function (k) { return ["v", "seq", "prev", "type"].indexOf(k) < 0 && !own(fields, k); }).sort();
    if (extra.length) throw new Error("a " + t + " entry has no field " + extra.map(repr).join(", "));
  }

  // What the later steps need of one line: {seq, prev, type, entry} or {format: detail}; for a
  // ballot, instead of the entry, its token text, the token's parts (or why not), the ratings'
  // failure and its rating vector.
  function examine(line, ctx) {
    var e;
    try {
      e = parseCanonical(line, "");
      if (!isObject(e)) throw new Error("not an object");
      if (e.v !== 1) throw new Error("v is not 1");
      if (!isInt(e.seq)) throw new Error("seq is not an integer");
      if (typeof e.prev !== "string" || !HEX64.test(e.prev)) throw new Error("prev is not 64 hex digits");
      if (typeof e.type !== "string" || !own(FIELDS, e.type)) throw new Error("unknown type " + pyValue(e.type));
      checkEntryShape(e);
    } catch (error) {
      return { format: error.message };
    }
    var record = { seq: e.seq, prev: e.prev, type: e.type };
    if (e.type !== "ballot") { record.entry = e; return record; }
    record.token = e.token;
    record.parts = tokenParts(e.token, ctx.key.id, ctx.digest);
    var ratings = e.ratings, keys = Object.keys(ratings).sort(), vector = [];
    for (var i = 0; i < keys.length; i++) {
      var subject = ctx.subjectIndex.get(keys[i]);
      if (subject === undefined) { record.bad = "rates unknown subject " + repr(keys[i]); break; }
      var option = ctx.optionNumber.get(ratings[keys[i]]);
      if (option === undefined) { record.bad = "unknown option " + repr(ratings[keys[i]]) + " for " + keys[i]; break; }
      vector.push(subject, option);
    }
    record.vector = vector;
    return record;
  }

  // What examine needs besides the line: the token key ({crypto, id}), the challenge digest,
  // subject indexes and option numbers. `init`: {spki, keyID, digest, subjects, options}.
  async function context(init) {
    return { key: { crypto: await rsaKey(init.spki), id: init.keyID }, digest: init.digest,
             subjectIndex: new Map(init.subjects.map(function (s, i) { return [s, i]; })),
             optionNumber: new Map(init.options.map(function (o, i) { return [o, i + 1]; })) };
  }
  // A chunk of lines examined: {records, leaves (their leaf hashes, 32 bytes each)}, a ballot's
  // record saying its token's nonce or why the token fails (its signature checked here).
  async function examineLines(lines, ctx) {
    var records = [], hashes = [], checks = [];
    for (var i = 0; i < lines.length; i++) {
      var record = examine(lines[i], ctx);
      records.push(record);
      hashes.push(T.leafHash(lines[i]));
      checks.push(record.parts && !record.parts.why
        ? crypto.subtle.verify({ name: "RSA-PSS", saltLength: 48 }, ctx.key.crypto, record.parts.authenticator, record.parts.message)
        : null);
    }
    var leafHashes = await Promise.all(hashes), verdicts = await Promise.all(checks), leaves = new Uint8Array(lines.length * 32);
    records.forEach(function (rec, j) {
      leaves.set(leafHashes[j], j * 32);
      if (!rec.parts) return;
      if (rec.parts.why) rec.why = rec.parts.why;
      else if (!verdicts[j]) rec.why = "authenticator does not verify";
      else rec.nonce = rec.parts.nonce;
      delete rec.parts;
    });
    return { records: records, leaves: leaves };
  }
  // Chunks examined here (Node, or a browser without nested workers): the next chunk's lines
  // are read while WebCrypto works on this one's hashes and signatures.
  function localExaminer(ctx) {
    return { depth: 2, chunk: function (lines) { return examineLines(lines, ctx); }, close: function () {} };
  }
  // Chunks examined on helper workers (made by `make`, running this same script), two chunks
  // each in flight: a chunk's lines go as one buffer and their offsets, the records come back.
  function helperExaminer(make, init) {
    var workers = make(), waiting = new Map(), next = 0, failed = null;
    workers.forEach(function (worker) {
      worker.onmessage = function (message) {
        var reply = message.data, done = waiting.get(reply.id);
        waiting.delete(reply.id);
        if (reply.error) done.reject(new Error(reply.error)); else done.resolve(reply);
      };
      worker.onerror = function (event) {
        failed = new Error("a helper worker stopped: " + (event.message || "unknown error"));
        waiting.forEach(function (done) { done.reject(failed); });
        waiting.clear();
      };
      worker.postMessage({ helperInit: init });
    });
    return {
      depth: 2 * workers.length,
      chunk: function (lines) {
        if (failed) return Promise.reject(failed);
        var size = 0, offsets = new Int32Array(lines.length + 1);
        lines.forEach(function (line, i) { offsets[i] = size; size += line.length; });
        offsets[lines.length] = size;
        var bytes = new Uint8Array(size);
        lines.forEach(function (line, i) { bytes.set(line, offsets[i]); });
        var id = next++;
        return new Promise(function (resolve, reject) {
          waiting.set(id, { resolve: resolve, reject: reject });
          workers[id % workers.length].postMessage({ id: id, bytes: bytes, offsets: offsets }, [bytes.buffer, offsets.buffer]);
        });
      },
      close: function () { workers.forEach(function (worker) { worker.terminate(); }); }
    };
  }
  // A helper worker's side of helperExaminer.
  function serveAsHelper(scope, init) {
    var ready = context(init);
    scope.onmessage = async function (message) {
      var job = message.data;
      try {
        var ctx = await ready, lines = [];
        for (var i = 0; i + 1 < job.offsets.length; i++) lines.push(job.bytes.subarray(job.offsets[i], job.offsets[i + 1]));
        var result = await examineLines(lines, ctx);
        scope.postMessage({ id: job.id, records: result.records, leaves: result.leaves }, [result.leaves.buffer]);
      } catch (error) {
        scope.postMessage({ id: job.id, error: String(error && error.message || error) });
      }
    };
  }

  var decimal = T.decimal;
  function claimedSize(note) {
    var lines = (typeof note === "string" ? note : new TextDecoder().decode(note)).split("\n");
    return lines.length > 1 ? decimal(lines[1]) : null;
  }
  function bodySize(note) {
    try { var body = T.checkpointBody(T.splitNote(note).text); return body ? body.size : null; } catch (e) { return null; }
  }
  // {definition, entries (its source), keys, checkpoints: [[size, bytes]] ascending, results}
  // from a Map of the bundle's files by their path in it (sources, or bytes; a folder as its
  // path and "/", null); throws Unreadable.
  async function readBundle(files) {
    function need(name) {
      if (!files.has(name)) throw new Unreadable("no " + name + " in the bundle");
      return files.get(name);
    }
    if (!Array.from(files.keys()).some(function (name) { return name.indexOf("checkpoints/") === 0; }))
      throw new Unreadable("no checkpoints/ folder in the bundle");
    function source(member) { return member instanceof Uint8Array ? bytesSource(member) : member; }
    async function bytes(member) { return source(member).bytes(); }
    var definition = await bytes(need("definition.json")), entries = source(need("entries.jsonl")), keys;
    try { keys = JSON.parse(decoder.decode(await bytes(need("keys.json")))); } catch (e) { throw e instanceof Unreadable ? e : new Unreadable("keys.json: " + e.message); }
    if (!isObject(keys) || !["token_key_spki", "token_key_id", "log_verifier_key"].every(function (k) { return typeof keys[k] === "string"; }))
      throw new Unreadable("keys.json lacks token_key_spki, token_key_id or log_verifier_key");
    // Checkpoints are the files named checkpoints/<size>.txt, the size a decimal without leading
    // zeros; any other file there (notes.txt, 03.txt, +5.txt) is not part of the bundle.
    var checkpoints = [];
    for (var entry of files) {
      var m = /^checkpoints\/([^/]*)\.txt$/.exec(entry[0]), size = m ? decimal(m[1]) : null;
      if (size !== null) checkpoints.push([size, await bytes(entry[1])]);
    }
    checkpoints.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });   // sizes may be BigInts
    return { definition: definition, entries: entries, keys: keys, checkpoints: checkpoints,
             results: files.has("results.json") ? await bytes(files.get("results.json")) : null };
  }

  // Opens a checkpoint: its signature (check `<check>_signature`), then its body, origin, size
  // and root against the log of `logSize` entries, whose root at each size is roots.get(size).
  // Every failure is reported at `seq`. A bundle checkpoint must be of the size its file says.
  async function openCheckpoint(note, logKey, origin, roots, logSize, check, label, seq, fileSize) {
    var text;
    try { text = await T.openNote(note, logKey); } catch (e) { throw new Fail(seq, check + "_signature", label + ": " + e.message); }
    var body = T.checkpointBody(text);
    if (!body) throw new Fail(seq, check, label + ": malformed checkpoint body (origin, size, base64 root)");
    if (fileSize !== undefined && body.size !== fileSize) throw new Fail(seq, check, "checkpoints/" + fileSize + ".txt holds a checkpoint of size " + body.size);
    if (body.origin !== origin) throw new Fail(seq, check, label + ": origin " + repr(body.origin) + " is not " + repr(origin));
    if (body.size > logSize) throw new Fail(seq, check, label + ": size " + body.size + " exceeds the log of " + logSize + " entries");
    if (T.hex(roots.get(body.size)) !== T.hex(body.root)) throw new Fail(seq, check, label + ": root does not match the log at size " + body.size);
    return body.size;
  }

  function parseTime(s) {
    var m = typeof s === "string" ? TIME.exec(s) : null;
    if (!m) return null;
    var p = m.slice(1).map(Number), d = new Date(0);
    d.setUTCFullYear(p[0], p[1] - 1, p[2]);
    d.setUTCHours(p[3], p[4], p[5], 0);
    if (p[0] < 1 || d.getUTCFullYear() !== p[0] || d.getUTCMonth() !== p[1] - 1 || d.getUTCDate() !== p[2] ||
        d.getUTCHours() !== p[3] || d.getUTCMinutes() !== p[4] || d.getUTCSeconds() !== p[5]) return null;
    return d.getTime() / 1000;
  }
  function timeText(seconds) { return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z"); }

  /**
   * Verifies a bundle. `files`: a Map of its files by path inside it (definition.json,
   * entries.jsonl, keys.json, checkpoints/<n>.txt, results.json). `options`: {logKey (pinned),
   * earlier: [{label, note}], codes: [核验码 or root hashes, lowercase hex], witnesses: [parseVerifierKey(…, 4) results, distinct], quorum}.
   * `progress(step, done, total)` is called as it goes. Resolves {ok: true, line, summary,
   * results: {published, recount}} or {ok: false, seq, check, detail, line}; rejects with an
   * Unreadable (a file missing or unreadable: no verdict).
   */
  async function verify(files, options, progress) {
    progress = progress || function () {};
    try {
      return await run(files, options || {}, progress);
    } catch (error) {
      if (error instanceof Fail) {
        return { ok: false, seq: error.seq, check: error.check, detail: error.detail, results: error.results || null,
                 line: "FAIL " + (error.seq === null || error.seq === undefined ? "bundle" : "seq " + error.seq) + ": " + error.check + ": " + error.detail };
      }
      throw error;
    }
  }

  async function run(files, options, progress) {
    var clock = Date.now(), timings = {};
    function lap(name) { var now = Date.now(); timings[name] = (now - clock) / 1000; clock = now; }
    var bundle = await readBundle(files);
    var witnesses = options.witnesses || [], quorum = options.quorum === undefined ? witnesses.length : options.quorum;
    var earlier = options.earlier || [];

    // Keys and definition.
    var keys = bundle.keys, pinned = options.logKey === undefined ? null : options.logKey, vkey = pinned !== null ? pinned : keys.log_verifier_key, logKey;
    try { logKey = await T.parseVerifierKey(vkey, 1); }
    catch (e) {
      if (e.unsupported) throw new Unreadable("this browser has no Ed25519 in WebCrypto: use a current Chrome, Edge, Firefox or Safari");
      throw new Fail(null, "log_key", repr(vkey) + " is not a C2SP Ed25519 verifier key: " + e.message);
    }
    if (pinned !== null && pinned !== keys.log_verifier_key) throw new Fail(null, "log_key", "keys.json names another log key than the pinned one");
    var spki = T.b64Key(keys.token_key_spki), tokenKey;
    try {
      if (spki === null) throw new Error("not base64");
      tokenKey = { crypto: await rsaKey(spki), id: T.hex(await T.sha256(spki)) };
    } catch (e) { throw new Fail(null, "token_key", "keys.json token_key_spki is not an RSA public key: " + e.message); }
    if (tokenKey.id !== keys.token_key_id) throw new Fail(null, "token_key", "token_key_id is not SHA-256 of token_key_spki");
    var defn;
    try {
      defn = parseCanonical(bundle.definition, "definition.json");
      checkDefinition(defn);
    } catch (e) { throw new Fail(null, "definition", "definition.json: " + e.message); }
    var definitionText = decoder.decode(bundle.definition);
    var origin = "minping/" + defn.street + "/" + defn.id;
    var digest = await challengeDigest(defn.street, defn.id);
    var ids = subjectIDs(defn);
    var ctx = { key: tokenKey, digest: digest, subjectIndex: new Map(ids.map(function (s, i) { return [s, i]; })),
                optionNumber: new Map(defn.options.map(function (o, i) { return [o.id, i + 1]; })) };

    // 1. Structure, chunk by chunk: each line examined on its own, its leaf hash and its token's
    // signature asked of WebCrypto together; then, in order, its seq and its chain. The entry
    // goes on to step 3 (meaning) at once; step 3's first failure is kept and raised only after
    // steps 1 and 2 have passed over the whole log.
    var reader = lineReader(bundle.entries, CHUNK), leaves = [], prev = ZERO;
    var st = {
      state: "draft", issued: 0, lastAt: null, tallies: [new Tally(defn)], roundNo: 1, issuedBefore: 0, roundKey: null,
      roundSubjects: null, keyIDs: new Set([tokenKey.id]), awaited: null, republicationDue: false, nonces: new Set(),
      appeals: new Map(), prelimAt: null, latestResults: null, meaning: null,
      amendments: { withheld: Object.create(null), corrections: Object.create(null), rounds: [] }
    };
    st.tally = st.tallies[0];
    var kinds = new Map();
    defn.members.forEach(function (m) { kinds.set(m.id, ["member", m]); });
    defn.organizations.forEach(function (o) { kinds.set(o.id, ["organization", o]); });
    (defn.cadres || []).forEach(function (c) { kinds.set(c.id, ["cadre", c]); });
    var env = { defn: defn, definitionText: definitionText, keys: keys, digest: digest, ids: ids, kinds: kinds,
                organizationIDs: new Set(defn.organizations.map(function (o) { return o.id; })) };
    // The lines are examined a chunk at a time, here or on helper workers (examiner), several
    // chunks ahead; each chunk's records then go through seq, chain and meaning in log order.
    var examiner = null;
    if (options.helpers) {
      try {
        examiner = helperExaminer(options.helpers, { spki: spki, keyID: tokenKey.id, digest: digest, subjects: ids,
                                                    options: defn.options.map(function (o) { return o.id; }) });
      } catch (error) { examiner = null; }   // no workers in a worker here: examined here instead
    }
    examiner = examiner || localExaminer(ctx);
    async function finishChunk(from, result) {
      for (var j = 0; j < result.records.length; j++) {
        var index = from + j, rec = result.records[j];
        if (rec.format !== undefined) throw new Fail(index, "entry_format", rec.format);
        if (rec.seq !== index) throw new Fail(index, "seq", "entry at position " + index + " says seq " + rec.seq);
        if (rec.prev !== prev) throw new Fail(index, "chain", "prev is not the leaf hash of entry " + (index - 1));
        leaves[index] = result.leaves.subarray(j * 32, j * 32 + 32);
        prev = T.hex(leaves[index]);
        if (st.meaning !== null) continue;
        try { await meaning(index, rec, st, env); }
        catch (error) { st.meaning = error instanceof Fail ? error : new Fail(index, "internal", String(error && error.message || error)); }
      }
    }
    // Chunks are read and sent off a few ahead of the one whose records are being finished.
    var inflight = [], ended = false, examined = 0;
    async function launch() {
      while (!ended && inflight.length < examiner.depth) {
        var lines = await reader.next();
        if (lines === null) { ended = true; break; }
        inflight.push({ from: examined, count: lines.length, result: examiner.chunk(lines) });
        examined += lines.length;
      }
    }
    try {
      await launch();
      while (inflight.length) {
        var chunk = inflight.shift();
        await launch();
        var waitStart = Date.now(), result = await chunk.result;
        timings.waiting = (timings.waiting || 0) + (Date.now() - waitStart) / 1000;
        await finishChunk(chunk.from, result);
        progress("entries", chunk.from + chunk.count, Math.max(chunk.from + chunk.count,
          Math.round((chunk.from + chunk.count) * (bundle.entries.size || reader.read) / Math.max(1, reader.read))));
      }
    } finally {
      examiner.close();
    }
    var total = examined;
    if (!total) throw new Fail(null, "created", "the log is empty");
    lap("entries");

    // 2. Checkpoints, in ascending order of their file names: each signed by the log key, of
    // the size its name says, for this origin, with the root of the log at that size. Every
    // root is computed from the entries, so checkpoints whose roots match are consistent with
    // each other and with the whole log by construction.
    progress("tree", 0, 1);
    var levels = await T.treeLevels(leaves), roots = new Map();
    var wanted = new Set();
    bundle.checkpoints.forEach(function (c) { wanted.add(bodySize(c[1])); });
    earlier.forEach(function (c) { wanted.add(bodySize(c.note)); });
    await Promise.all(Array.from(wanted).filter(function (n) { return n !== null && n <= total; }).map(function (n) {
      return T.rootAt(levels, n).then(function (root) { roots.set(n, root); });
    }));
    progress("tree", 1, 1);
    lap("tree");
    var latest = null, fullNote = null;
    var opened = await Promise.all(bundle.checkpoints.map(function (c) {   // the signatures, all at once; failures in order below
      return openCheckpoint(c[1], logKey, origin, roots, total, "checkpoint", "checkpoints/" + c[0] + ".txt", c[0], c[0])
        .then(function (size) { return { size: size }; }, function (error) { return { error: error }; });
    }));
    for (var k = 0; k < opened.length; k++) {
      if (opened[k].error) throw opened[k].error;
      latest = opened[k].size;
      fullNote = bundle.checkpoints[k][1];
      if (k % 256 === 0) progress("checkpoints", k, opened.length);
    }
    progress("checkpoints", opened.length, opened.length);
    lap("checkpoints");
    if (latest !== total) throw new Fail(null, "checkpoint", "no checkpoint covers the whole log of " + total + " entries");
    // Then those seen earlier, reported at the size each claims on its second line.
    for (var c = 0; c < earlier.length; c++) {
      await openCheckpoint(earlier[c].note, logKey, origin, roots, total, "earlier_checkpoint", earlier[c].label, claimedSize(earlier[c].note));
    }

    // And 核验码 seen on the 公示栏 (this page's addition): each the beginning of the root of a
    // checkpoint of the bundle, all of which were just checked against the log.
    var checkpointRoots = bundle.checkpoints.map(function (c) { return T.hex(roots.get(c[0])); });
    (options.codes || []).forEach(function (code) {
      if (!checkpointRoots.some(function (root) { return root.indexOf(code) === 0; }))
        throw new Fail(null, "earlier_checkpoint", "核验码 " + code + " is the root of no checkpoint of this log");
    });

    // 3. Meaning: its first failure, found in step 1's loop.
    if (st.meaning !== null) throw st.meaning;
    if (st.awaited !== null) throw new Fail(total - 1, "remedy", "appeal " + repr(st.awaited[0]) + " was upheld with " + repr(st.awaited[1]) + ", which never followed");

    // 4. results.json
    var want = st.latestResults !== null ? encoder.encode(jcs(st.latestResults)) : null, have = bundle.results;
    if (want === null ? have !== null : have === null || T.hex(want) !== T.hex(have)) {
      throw new Fail(null, "results_file", have === null && want ? "results.json is missing" : "results.json is not the latest results entry");
    }

    // 5. Witnesses: the checkpoint at the full size.
    if (witnesses.length) {
      var times;
      try { times = await T.cosignatureTimes(fullNote, witnesses); } catch (e) { throw new Fail(total, "witness", e.message); }
      var vouching = times.filter(function (t) { return t !== undefined; }).length;
      if (vouching < quorum) {
        throw new Fail(total, "witness", "checkpoint " + total + " has valid cosignatures from " + vouching + " of the named witnesses, " + quorum + " required");
      }
    }
    var ballots = st.tallies.reduce(function (n, t) { return n + t.ballots; }, 0), issued = st.issuedBefore + st.issued;
    var summary = { origin: origin, entries: total, ballots: ballots, issued: issued, checkpoints: bundle.checkpoints.length, state: st.state };
    lap("rest");
    return {
      ok: true, summary: summary, timings: timings,
      line: "OK " + origin + ": " + total + " entries, " + ballots + " ballots of " + issued + " issued, " + bundle.checkpoints.length +
        " checkpoints consistent, state " + st.state,
      results: st.latestResults === null ? null
        : { published: st.latestResults, recount: amended(defn, st.tallies, st.amendments, st.latestResults.stage), definition: defn }
    };
  }

  // Step 3 for one entry, in log order (tools/verify_bundle.py's "Meaning"): throws its Fail.
  async function meaning(seq, rec, st, env) {
    var defn = env.defn, t = rec.type, e = rec.entry;
    function fail(check, detail) { return new Fail(seq, check, detail); }
    if (seq === 0) {
      if (t !== "created") throw new Fail(0, "created", "the first entry is " + repr(t) + ", not created");
      if (jcs(e.definition) !== env.definitionText) throw new Fail(0, "created", "definition differs from definition.json");
      ["token_key_spki", "token_key_id", "log_verifier_key"].forEach(function (k) {
        if (e[k] !== env.keys[k]) throw new Fail(0, "created", k + " differs from keys.json");
      });
      return;
    }
    // lifecycle, in the order the checks apply: nothing after annulled, created only first, then
    // the time, then whether this type may come in this state
    if (st.state === "annulled") throw fail("lifecycle", t + " after annulled");
    if (t === "created") throw fail("lifecycle", "created after the first entry");
    if (own(FIELDS[t], "at")) {
      var at = parseTime(e.at);
      if (at === null) throw fail("time", "at " + repr(e.at) + " is not YYYY-MM-DDTHH:MM:SSZ");
      if (st.lastAt !== null && at < st.lastAt) throw fail("time", "at goes back before " + timeText(st.lastAt));
      st.lastAt = at;
    }
    if (t === "results") {
      // Preliminary results again while preliminary: a corrected 公示 after an upheld appeal.
      var want = { preliminary: ["closed", "preliminary"], final: ["preliminary"] }[e.stage];
      if (!own({ preliminary: 1, final: 1 }, e.stage)) throw fail("results", "stage " + repr(e.stage) + " is neither preliminary nor final");
      if (want.indexOf(st.state) < 0) throw fail("lifecycle", e.stage + " results in state " + st.state);
    } else if (ALLOWED[t].indexOf(st.state) < 0) {
      throw fail(t.indexOf("appeal_") === 0 ? "appeal" : "lifecycle", t + " in state " + st.state);
    }
    // SPEC §5: an upheld appeal's remedy entry follows it at once and names it; a remedy entry
    // comes only so (a withheld without an appeal is the street's veto).
    var awaitedText = st.awaited ? "appeal " + repr(st.awaited[0]) + " was upheld with " + repr(st.awaited[1]) + ", which must follow at once" : "";
    if (["withheld", "corrected", "revote_opened", "annulled"].indexOf(t) >= 0) {
      var names = t !== "annulled" ? (own(e, "appeal") ? e.appeal : null) : (st.awaited ? st.awaited[0] : null);
      if (st.awaited !== null) {
        if (REMEDY_ENTRY[st.awaited[1]] !== t || names !== st.awaited[0]) throw fail("remedy", awaitedText);
        st.awaited = null;
      } else if (names !== null) {
        throw fail("remedy", "a " + t + " entry names appeal " + repr(names) + ", which was not just upheld with it");
      } else if (t === "corrected" || t === "revote_opened") {
        throw fail("remedy", "a " + t + " entry needs an upheld appeal");
      }
    } else if (st.awaited !== null) {
      throw fail("remedy", awaitedText);
    }
    var electorate = defn.electorate;
    if (t === "slips_issued") {
      if (e.count < 1) throw fail("issued", "count must be at least 1");
      if (e.issued !== st.issued + e.count) throw fail("issued", "issued " + e.issued + " is not " + st.issued + " + " + e.count);
      st.issued = e.issued;
    } else if (t === "token_issued") {
      if (e.issued !== st.issued + 1) throw fail("issued", "issued " + e.issued + " is not " + (st.issued + 1));
      st.issued = e.issued;
    } else if (t === "slips_voided") {
      if (e.count < 1) throw fail("lifecycle", "voided count must be at least 1");
      if (e.issued !== st.issued) throw fail("issued", "voiding slips leaves issued at " + st.issued + ", not " + e.issued);
    }
    if ((t === "slips_issued" || t === "token_issued") && st.issued > electorate) throw fail("issued", "issued " + st.issued + " exceeds the electorate " + electorate);

    if (t === "opened") {
      st.state = "open";
    } else if (t === "ballot") {
      if (st.state !== "open") throw fail("ballot_window", "ballot while " + st.state);
      var why = rec.why, nonce = rec.nonce;
      if (st.roundKey !== null) {   // a supplementary round's ballot spends a token of that round's key
        var checked = await checkToken(rec.token, st.roundKey, env.digest);
        why = checked.why ? "round " + st.roundNo + ": " + checked.why : undefined;
        nonce = checked.nonce;
      }
      if (why) throw fail("token", why);
      if (st.nonces.has(nonce)) throw fail("double_spend", "token nonce already spent");
      st.nonces.add(nonce);
      if (rec.bad) throw fail("ballot", rec.bad);
      if (st.roundSubjects !== null) {
        var outside = [];
        for (var i = 0; i < rec.vector.length; i += 2) if (!st.roundSubjects.has(env.ids[rec.vector[i]])) outside.push(rec.vector[i]);
        if (outside.length) {
          throw fail("ballot", "a round " + st.roundNo + " ballot rates " + repr(env.ids[Math.min.apply(null, outside)]) + ", which is not in its round");
        }
      }
      st.tally.add(rec.vector);
      if (st.tally.ballots > st.issued) throw fail("issued", st.tally.ballots + " ballots but only " + st.issued + " tokens issued");
    } else if (t === "closed") {
      if (e.ballots !== st.tally.ballots) throw fail("closed", "ballots " + e.ballots + ", counted " + st.tally.ballots);
      if (e.issued !== st.issued) throw fail("closed", "issued " + e.issued + ", counted " + st.issued);
      st.state = "closed";
    } else if (t === "results") {
      var stage = e.stage, res = e.results;
      if (stage === "final") {
        var open = Array.from(st.appeals).filter(function (a) { return !a[1]; }).map(function (a) { return a[0]; }).sort(byCodePoint);
        if (open.length) throw fail("appeals_pending", "unresolved appeals: " + open.join(", "));
        if (st.republicationDue) throw fail("lifecycle", "final results before the results a remedy changed were published again");
        if (st.lastAt - st.prelimAt < defn.publicity_days * 86400) throw fail("publicity", "final results before " + defn.publicity_days + " days of publicity");
      }
      // the recount is the whole results value, its stage included
      var mine = amended(defn, st.tallies, st.amendments, stage);
      if (jcs(mine) !== jcs(res)) {
        var detail = "results differ from the recount", theirs = Array.isArray(res.subjects) ? res.subjects : [];
        for (var k = 0; k < Math.min(mine.subjects.length, theirs.length); k++) {
          if (jcs(mine.subjects[k]) !== jcs(theirs[k])) { detail += " (first at subject " + mine.subjects[k].id + ")"; break; }
        }
        var failure = fail("recount", detail);
        failure.results = { published: res, recount: mine, definition: defn };
        throw failure;
      }
      if (stage === "final") {
        st.state = "final";
      } else {
        // the first 公示, and one after a remedy changed results: publicity runs (again) from it
        if (st.state === "closed" || st.republicationDue) st.prelimAt = st.lastAt;
        st.republicationDue = false;
        st.state = "preliminary";
      }
      st.latestResults = res;
    } else if (t === "appeal_filed") {
      if (st.appeals.has(e.appeal)) throw fail("appeal", "appeal id " + repr(e.appeal) + " reused");
      if (own(e, "subject") && !env.kinds.has(e.subject)) throw fail("appeal", "appeal about unknown subject " + repr(e.subject));
      st.appeals.set(e.appeal, false);
    } else if (t === "appeal_resolved") {
      if (st.appeals.get(e.appeal) !== false) throw fail("appeal", "appeal " + repr(e.appeal) + " was not filed or is already resolved");
      if (e.outcome !== "dismissed" && e.outcome !== "upheld") throw fail("appeal", "outcome " + repr(e.outcome) + " is neither dismissed nor upheld");
      var remedy = own(e, "remedy") ? e.remedy : null;
      if (remedy !== null && !own(REMEDY_ENTRY, remedy)) throw fail("remedy", "remedy " + repr(remedy) + " is not withhold, correct, revote or annul");
      if ((e.outcome === "upheld") !== (remedy !== null)) throw fail("remedy", remedy === null ? "an upheld appeal names its remedy" : "a dismissed appeal has no remedy");
      st.appeals.set(e.appeal, true);
      if (remedy !== null) st.awaited = [e.appeal, remedy];
    } else if (t === "withheld") {
      var s = e.subject, star = e.star;
      if (!env.kinds.has(s)) throw fail("remedy", "subject " + repr(s) + " is not in this evaluation");
      var reasonWhy = textProblem(e.reason, "reason", 500);
      if (reasonWhy) throw fail("remedy", reasonWhy);
      var kind = env.kinds.get(s)[0];
      if ((defn.rules[kind + "_stars"] || []).map(function (x) { return x.star; }).indexOf(star) < 0) throw fail("remedy", repr(star) + " is not a star a " + kind + " can earn");
      var withheld = st.amendments.withheld[s] || [];
      if (withheld.some(function (w) { return w.star === star; })) throw fail("remedy", "the star " + repr(star) + " of " + repr(s) + " is already withheld");
      var now = amended(defn, st.tallies, st.amendments, null);
      if (now.subjects.filter(function (x) { return x.id === s; })[0].stars.indexOf(star) < 0) {
        throw fail("remedy", repr(s) + " did not earn the star " + repr(star) + ": only a star the count awarded can be withheld");
      }
      var w = { star: star, reason: e.reason };
      if (own(e, "appeal")) w.appeal = e.appeal;
      withheld.push(w);
      st.amendments.withheld[s] = withheld;
      st.republicationDue = true;
    } else if (t === "corrected") {
      var subject = e.subject;
      if (!env.kinds.has(subject)) throw fail("remedy", "subject " + repr(subject) + " is not in this evaluation");
      if (!own(e, "name") && !own(e, "organization")) throw fail("remedy", "a correction names a new name, a new organization or both");
      if (own(e, "name")) {
        var nameWhy = textProblem(e.name, "name", 200);
        if (nameWhy || /[\n\r\t]/.test(e.name)) throw fail("remedy", nameWhy || "name is one line");
      }
      if (own(e, "organization")) {
        if (env.kinds.get(subject)[0] !== "member") throw fail("remedy", "only a member's organization can be corrected");
        if (!env.organizationIDs.has(e.organization)) throw fail("remedy", "organization " + repr(e.organization) + " is not in this evaluation");
      }
      var original = env.kinds.get(subject)[1], current = st.amendments.corrections[subject] || {};
      var shownName = own(current, "name") ? current.name : original.name;
      var shownOrg = own(current, "organization") ? current.organization : (own(original, "organization") ? original.organization : null);
      var afterName = own(e, "name") ? e.name : shownName, afterOrg = own(e, "organization") ? e.organization : shownOrg;
      if (afterName === shownName && afterOrg === shownOrg) throw fail("remedy", "the correction changes nothing");
      var fix = st.amendments.corrections[subject] || {};
      if (own(e, "name")) fix.name = e.name;
      if (own(e, "organization")) fix.organization = e.organization;
      st.amendments.corrections[subject] = fix;
      st.republicationDue = true;
    } else if (t === "revote_opened") {
      var ids = e.subjects;
      if (!ids.length || !unique(ids) || ids.some(function (x) { return !env.kinds.has(x); }))
        throw fail("remedy", "a supplementary round names distinct subjects of this evaluation, at least one");
      if (e.round !== st.roundNo + 1) throw fail("lifecycle", "round " + e.round + " after round " + st.roundNo);
      var rSPKI = T.b64Key(e.token_key_spki), rKey;
      try {
        if (rSPKI === null) throw new Error("not base64");
        rKey = await rsaKey(rSPKI);
      } catch (error) { throw fail("token_key", "round " + e.round + "'s token_key_spki is not an RSA public key: " + error.message); }
      var rID = T.hex(await T.sha256(rSPKI));
      if (rID !== e.token_key_id) throw fail("token_key", "round " + e.round + "'s token_key_id is not SHA-256 of its token_key_spki");
      if (st.keyIDs.has(rID)) throw fail("token_key", "round " + e.round + " reuses an earlier round's issuing key");
      st.keyIDs.add(rID);
      st.roundNo = e.round;
      st.roundKey = { crypto: rKey, id: rID };
      st.roundSubjects = new Set(ids);
      st.amendments.rounds.push({ round: st.roundNo, subjects: ids.slice() });
      st.tally = new Tally(defn);
      st.tallies.push(st.tally);
      st.issuedBefore += st.issued;
      st.issued = 0;   // each round has the whole electorate
      st.republicationDue = true;
      st.state = "open";
    } else if (t === "annulled") {
      st.state = "annulled";
    }
  }

  return { verify: verify, unpack: unpack, jcs: jcs, Unreadable: Unreadable, amended: amended, serveAsHelper: serveAsHelper };
})();

// In a Web Worker (the /verify page makes one of tlog.js and this file): {bundle (a Blob: the
// file chosen, or the download), logKey, earlier: [{label, note}], witnessKeys: [text], quorum} in; progress
// {progress: [step, done, total]} and at the end {result} or {error: what could not be read} out.
if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
  self.onmessage = async function (message) {
    var job = message.data, last = 0;
    if (job.helperInit) { VerifyBundle.serveAsHelper(self, job.helperInit); return; }
    function progress(step, done, total) {
      var now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      self.postMessage({ progress: [step, done, total] });
    }
    try {
      progress("unpack", 0, 1);
      var files = await VerifyBundle.unpack(job.bundle);
      var witnesses = [];
      for (var i = 0; i < (job.witnessKeys || []).length; i++) {
        try { witnesses.push(await Tlog.parseVerifierKey(job.witnessKeys[i], 4)); }
        catch (e) { throw new VerifyBundle.Unreadable("witness key " + (i + 1) + ": " + e.message); }
      }
      var distinct = witnesses.filter(function (w, k) { return witnesses.findIndex(function (x) { return Tlog.hex(x.raw) === Tlog.hex(w.raw) && x.name === w.name; }) === k; });
      var earlier = (job.earlier || []).map(function (c) { return { label: c.label, note: new TextEncoder().encode(c.note) }; });
      var started = Date.now();
      // Helpers for the entries: this same script again, as many as the machine has cores (up to
      // 4), where this browser lets a worker make workers.
      var helpers = typeof Worker === "undefined" ? null : function () {
        var count = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2)), made = [];
        for (var k = 0; k < count; k++) made.push(new Worker(self.location.href));
        return made;
      };
      var result = await VerifyBundle.verify(files, { logKey: job.logKey || null, earlier: earlier, codes: job.codes || [], witnesses: distinct,
                                                      quorum: job.quorum || undefined, helpers: helpers }, progress);
      result.seconds = (Date.now() - started) / 1000;
      self.postMessage({ result: result });
    } catch (error) {
      self.postMessage({ error: error instanceof VerifyBundle.Unreadable ? error.message : String(error && error.message || error) });
    }
  };
}
