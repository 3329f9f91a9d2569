// Shared by the voting and receipt pages: c2sp.org/tlog-proof@v1 receipts and RFC 9162
// inclusion proofs, checked with WebCrypto SHA-256 in the browser.
var Tlog = (function () {
  "use strict";
  function b64(text) { return Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); }); }
  var HEX = Array.from({ length: 256 }, function (_, b) { return (b < 16 ? "0" : "") + b.toString(16); });
  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += HEX[bytes[i]];
    return out;
  }
  function fromHex(text) { return new Uint8Array((text.match(/../g) || []).map(function (h) { return parseInt(h, 16); })); }
  function sha256(bytes) { return crypto.subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); }); }
  function nodeHash(left, right) {
    var buf = new Uint8Array(65); buf[0] = 1; buf.set(left, 1); buf.set(right, 33);
    return sha256(buf);
  }
  function leafHash(bytes) {
    var buf = new Uint8Array(bytes.length + 1); buf.set(bytes, 1);
    return sha256(buf);
  }
  // RFC 9162 §2.1.3.2
  async function verifyInclusion(index, size, leaf, proof, root) {
    if (index >= size) return false;
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < proof.length; i++) {
      if (sn === 0) return false;
      if ((fn & 1) === 1 || fn === sn) {
        r = await nodeHash(proof[i], r);
        if ((fn & 1) === 0) { while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; } }
      } else {
        r = await nodeHash(r, proof[i]);
      }
      fn >>= 1; sn >>= 1;
    }
    return sn === 0 && hex(r) === hex(root);
  }
  // RFC 9162 §2.1 over a whole log at once (the bundle verifier): levels[0] is the leaf
  // hashes, levels[k][i] the hash of the perfect subtree of 2^k leaves from leaf i·2^k; every
  // hash of a level is asked of WebCrypto at once, so its threads share the work.
  async function treeLevels(leaves) {
    var levels = [leaves];
    for (var below = leaves; below.length > 1; below = levels[levels.length - 1]) {
      var pending = [];
      for (var i = 0; i + 1 < below.length; i += 2) pending.push(nodeHash(below[i], below[i + 1]));
      levels.push(await Promise.all(pending));
    }
    return levels;
  }
  // The root of the tree of the first n leaves (MTH) from treeLevels: the perfect subtrees the
  // binary digits of n make, largest first, folded right to left (as MTH splits off the largest
  // power of two).
  async function rootAt(levels, n) {
    if (n === 0) return sha256(new Uint8Array(0));
    var parts = [], start = 0;
    for (var k = levels.length - 1; k >= 0; k--) {
      var size = Math.pow(2, k);
      if (n - start >= size) { parts.push(levels[k][start / size]); start += size; }
    }
    var h = parts[parts.length - 1];
    for (var j = parts.length - 2; j >= 0; j--) h = await nodeHash(parts[j], h);
    return h;
  }
  // "c2sp.org/tlog-proof@v1\nextra <b64>\nindex N\n<proof b64>...\n\n<checkpoint note>"
  function parseReceipt(text) {
    var split = text.indexOf("\n\n");
    var lines = text.slice(0, split).split("\n");
    var note = text.slice(split + 2).split("\n");
    if (lines[0] !== "c2sp.org/tlog-proof@v1" || lines[1].indexOf("extra ") !== 0 || lines[2].indexOf("index ") !== 0) return null;
    return { note: text.slice(split + 2), prev: b64(lines[1].slice(6)), index: parseInt(lines[2].slice(6), 10), proof: lines.slice(3).filter(Boolean).map(b64),
             origin: note[0], size: parseInt(note[1], 10), root: b64(note[2]) };
  }
  // The ballot entry exactly as the log stores it (RFC 8785: keys sorted, JSON.stringify's
  // string escaping), rebuilt from what this device sent.
  function ballotEntry(receipt, token, ratings) {
    var sorted = Object.create(null);
    Object.keys(ratings).sort().forEach(function (k) { sorted[k] = ratings[k]; });
    var text = '{"prev":' + JSON.stringify(hex(receipt.prev)) + ',"ratings":' + JSON.stringify(sorted) +
      ',"seq":' + receipt.index + ',"token":' + JSON.stringify(token) + ',"type":"ballot","v":1}';
    return new TextEncoder().encode(text);
  }
  // SPEC §1: the tracker is SHA-256 of the ballot's JCS bytes {"ratings":{...},"token":"..."},
  // computed by the voter's device from what it sent, so the server cannot hand out another.
  async function tracker(token, ratings) {
    var sorted = Object.create(null);
    Object.keys(ratings).sort().forEach(function (k) { sorted[k] = ratings[k]; });
    var text = '{"ratings":' + JSON.stringify(sorted) + ',"token":' + JSON.stringify(token) + '}';
    return hex(await sha256(new TextEncoder().encode(text)));
  }
  // --- C2SP signed notes, checked strictly (the bundle verifier, /verify) or leniently (the
  // voting and receipt pages, which only ask whether a checkpoint is signed or cosigned) ---

  var EM_DASH = "\u2014 ";
  // Whitespace as Python's str.isspace() has it (tools/verify_bundle.py), not JavaScript's \s.
  var PY_SPACE = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
  var B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  // Standard base64 with padding and nothing else, as Go and Foundation read it; or null.
  function b64Strict(text) { return B64.test(text) ? b64(text) : null; }
  // Base64 as Python's base64.b64decode(validate=True) reads a key (tools/verify_bundle.py): the
  // alphabet, then "=": exactly the padding a partial last quantum needs, any after a whole one;
  // or null.
  function b64Key(text) {
    if (!/^[A-Za-z0-9+/]*=*$/.test(text)) return null;
    var body = text.replace(/=+$/, ""), rest = body.length % 4, pad = text.length - body.length;
    if (rest === 1 || (rest !== 0 && rest + pad !== 4)) return null;
    return b64(body + "==".slice(0, (4 - rest) % 4));
  }
  function utf8(text) { return new TextEncoder().encode(text); }
  function concat(a, b) { var out = new Uint8Array(a.length + b.length); out.set(a); out.set(b, a.length); return out; }
  function noteText(note) {
    if (typeof note === "string") return note;
    try { return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(note); }
    catch (e) { throw new Error("not UTF-8"); }
  }
  // Python's repr of a string, as tools/verify_bundle.py words its details.
  function repr(text) {
    text = String(text);
    var quote = text.indexOf("'") >= 0 && text.indexOf('"') < 0 ? '"' : "'";
    return quote + text.replace(/\\/g, "\\\\").replace(quote === "'" ? /'/g : /"/g, "\\" + quote)
      .replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t") + quote;
  }
  // A signed note split as golang.org/x/mod/sumdb/note does: valid UTF-8 ending in a newline,
  // text and signature lines split at the LAST blank line. Returns {text (bytes, up to and
  // including its last newline), sigs: [{name, keyID (hex), blob (the bytes after the key id)}]}.
  // Strict (the verifier), every line must be "— <name> <base64 of at least 5 bytes>" and there
  // must be one, or it throws; lenient (the pages), a malformed line is skipped.
  function splitNote(note, lenient) {
    var all = noteText(note);
    var sep = all.lastIndexOf("\n\n");
    if (!all.endsWith("\n") || sep < 0) {
      if (lenient) return { text: utf8(all), sigs: [] };
      throw new Error("not a signed note (text, a blank line, signature lines)");
    }
    var lines = all.slice(sep + 2).split("\n").slice(0, -1), sigs = [];
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (!line.startsWith(EM_DASH)) {
        if (lenient) continue;
        throw new Error("a signature line does not start with an em dash and a space");
      }
      var fields = line.slice(EM_DASH.length).split(" ");
      var raw = fields.length === 2 ? b64Strict(fields[1]) : null;
      if (raw === null || raw.length < 5) {
        if (lenient) continue;
        throw new Error("malformed signature line " + repr(line));
      }
      sigs.push({ name: fields[0], keyID: hex(raw.slice(0, 4)), blob: raw.slice(4) });
    }
    if (!sigs.length && !lenient) throw new Error("no signature lines");
    return { text: utf8(all.slice(0, sep + 1)), sigs: sigs };
  }
  // A C2SP verifier key "<name>+<hex key id>+<base64(type || 32-byte Ed25519 key)>" of this
  // signature type (1: a log's, 4: a witness's cosignature key), its key id matching: resolves
  // {name, keyID, raw, key}; rejects with an Error saying why, `unsupported` set when this
  // browser has no Ed25519 in WebCrypto.
  async function parseVerifierKey(vkey, type) {
    // The base64 part may itself contain "+": split at the first two only.
    var first = vkey.indexOf("+"), second = vkey.indexOf("+", first + 1);
    if (first < 0 || second < 0) throw new Error("not name+id+key");
    var name = vkey.slice(0, first), keyID = vkey.slice(first + 1, second);
    if (!name || PY_SPACE.test(name) || !/^[0-9a-f]{8}$/.test(keyID)) throw new Error("bad name or key id");
    var raw = b64Key(vkey.slice(second + 1));
    if (raw === null) throw new Error("not base64");
    if (raw.length !== 33 || raw[0] !== type) throw new Error(type === 1 ? "not an Ed25519 key" : "not an Ed25519 cosignature key (type 0x0" + raw[0] + ")");
    var expect = hex((await sha256(concat(utf8(name + "\n"), raw))).slice(0, 4));
    if (expect !== keyID) throw new Error("key id does not match the key");
    var key;
    try { key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]); }
    catch (e) { var error = new Error("this browser has no Ed25519"); error.unsupported = true; throw error; }
    return { name: name, keyID: keyID, raw: raw, key: key };
  }
  // The text of a note signed by `key` (parseVerifierKey's): lines of other keys (a witness's
  // cosignatures among them) are ignored; a line of this key must verify, and there must be one.
  async function openNote(note, key, lenient) {
    var split = splitNote(note, lenient), found = false;
    for (var i = 0; i < split.sigs.length; i++) {
      var sig = split.sigs[i];
      if (sig.name !== key.name || sig.keyID !== key.keyID) continue;
      if (sig.blob.length !== 64 || !(await crypto.subtle.verify({ name: "Ed25519" }, key.key, sig.blob, split.text)))
        throw new Error("the signature by " + key.name + " does not verify");
      found = true;
    }
    if (!found) throw new Error("no signature by " + key.name);
    return split.text;
  }
  // c2sp.org/tlog-cosignature: for each witness key (parseVerifierKey(…, 4)), the latest time
  // (a BigInt, unix seconds) of its lines, or undefined when it has none. Every line of a
  // witness's key must be 76 bytes (key id, 8-byte big-endian time, 64-byte signature) and
  // verify over "cosignature/v1\ntime <time>\n" + the note text; the first witness, in the
  // order given, with a line that does not throws an Error naming it.
  async function cosignatureTimes(note, witnesses, lenient) {
    var split = splitNote(note, lenient), times = [];
    for (var w = 0; w < witnesses.length; w++) {
      var witness = witnesses[w];
      for (var i = 0; i < split.sigs.length; i++) {
        var sig = split.sigs[i];
        if (sig.name !== witness.name || sig.keyID !== witness.keyID) continue;
        var t = 0n;
        for (var j = 0; j < 8 && j < sig.blob.length; j++) t = t * 256n + BigInt(sig.blob[j]);
        var ok = sig.blob.length === 72 &&
          await crypto.subtle.verify({ name: "Ed25519" }, witness.key, sig.blob.slice(8), concat(utf8("cosignature/v1\ntime " + t + "\n"), split.text));
        if (!ok) throw new Error("cosignature by " + witness.name + " does not verify");
        if (times[w] === undefined || t > times[w]) times[w] = t;
      }
    }
    return times;
  }
  // A size as checkpoints (and their file names) write it, decimal without leading zeros, at most
  // 2^63 - 1: a Number, or a BigInt past 2^53 (never rounded), or null. Equal sizes are equal (===).
  function decimal(text) {
    if (!/^(?:0|[1-9][0-9]*)$/.test(text)) return null;
    var n = BigInt(text);
    return n > 9223372036854775807n ? null : n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  // A checkpoint's text (c2sp.org/tlog-checkpoint): {origin, size, root}, or null when it is not
  // an origin, a decimal size without leading zeros and a base64 root of 32 bytes.
  function checkpointBody(text) {
    var lines = noteText(text).split("\n");   // origin, size, root, [extensions...], ""
    var size = lines.length < 4 ? null : decimal(lines[1]);
    if (size === null || !lines[0]) return null;
    var root = b64Strict(lines[2]);
    if (root === null || root.length !== 32) return null;
    return { origin: lines[0], size: size, root: root };
  }
  // Resolves true/false, or null when this browser has no Ed25519 in WebCrypto.
  async function verifyCheckpoint(note, verifierKey) {
    var key;
    try { key = await parseVerifierKey(verifierKey, 1); } catch (e) { return e.unsupported ? null : false; }
    try { await openNote(note, key, true); return true; } catch (e) { return false; }
  }
  // What to say about the checkpoint's signature, for a page's labels L: {kind, text}.
  async function signatureSentence(note, verifierKey, L) {
    var signed = await verifyCheckpoint(note, verifierKey);
    if (signed === null) return { kind: "", text: L.signature_unchecked };
    if (!signed) return { kind: "error", text: L.signature_bad };
    return { kind: "ok", text: L.signed.replace("{key}", verifierKey.split("+").slice(0, 2).join("+")) };  // name+id
  }
  // A witness's cosignature (SPEC §5) as the pages ask it: the latest time of its lines (unix
  // seconds), "none" when it has no line (or the key is malformed), "bad" when a line of it does
  // not verify, null when this browser has no Ed25519.
  async function cosignature(note, witnessKey) {
    var witness;
    try { witness = await parseVerifierKey(witnessKey, 4); } catch (e) { return e.unsupported ? null : "none"; }
    var times;
    try { times = await cosignatureTimes(note, [witness], true); } catch (e) { return "bad"; }
    return times[0] === undefined ? "none" : Number(times[0]);
  }
  // Resolves the cosignature's time (unix seconds, a Number; the latest if several) when the
  // note carries a valid cosignature of this witness key, false when it has none or one does not verify, null when
  // this browser has no Ed25519 in WebCrypto.
  async function verifyCosignature(note, witnessKey) {
    var time = await cosignature(note, witnessKey);
    return typeof time === "number" || time === null ? time : false;
  }
  // What to say about the witnesses' cosignatures of a checkpoint, for a page's labels L:
  // {kind, text}, or null when no witness is named. `witnesses` is what GET
  // /api/v1/evaluations/{id} reports: [{name, key, size}]. Cosignatures come a few seconds
  // after the checkpoint, so none yet is no error; a line of a named key that does not verify is.
  async function witnessSentence(note, witnesses, L) {
    if (!Array.isArray(witnesses) || witnesses.length === 0) return null;
    var vouching = [], unchecked = false;
    for (var i = 0; i < witnesses.length; i++) {
      var time = await cosignature(note, String(witnesses[i].key || ""));
      if (time === "bad") return { kind: "error", text: L.witness_bad };
      if (time === null) unchecked = true;
      else if (time !== "none") vouching.push(witnesses[i].name);
    }
    if (unchecked) return { kind: "", text: L.signature_unchecked };
    if (vouching.length === 0) return { kind: "", text: L.witness_none };
    var names = vouching.join("\u3001");   // 、
    return { kind: "ok", text: L.witnessed.replace("{names}", function () { return names; })
      .replace("{count}", String(vouching.length)).replace("{total}", String(witnesses.length)) };
  }
  return { splitNote: splitNote, parseVerifierKey: parseVerifierKey, openNote: openNote, cosignatureTimes: cosignatureTimes,
           checkpointBody: checkpointBody, decimal: decimal, PY_SPACE: PY_SPACE, b64Strict: b64Strict, b64Key: b64Key, repr: repr, sha256: sha256, nodeHash: nodeHash,
           treeLevels: treeLevels, rootAt: rootAt,
           signatureSentence: signatureSentence, verifyCheckpoint: verifyCheckpoint, verifyCosignature: verifyCosignature, witnessSentence: witnessSentence,
           b64: b64, hex: hex, fromHex: fromHex, leafHash: leafHash, verifyInclusion: verifyInclusion,
           parseReceipt: parseReceipt, ballotEntry: ballotEntry, tracker: tracker };
})();
