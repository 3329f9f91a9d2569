// Shared by the voting and receipt pages: c2sp.org/tlog-proof@v1 receipts and RFC 9162
// inclusion proofs, checked with WebCrypto SHA-256 in the browser.
var Tlog = (function () {
  "use strict";
  function b64(text) { return Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); }); }
  function hex(bytes) { return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join(""); }
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
  // C2SP signed note: the signed text is the note up to and including the newline before the
  // blank line; a signature line is "— <name> <base64(4-byte key id || 64-byte signature)>".
  // The verifier key is "<name>+<hex key id>+<base64(0x01 || 32-byte Ed25519 key)>".
  // Resolves true/false, or null when this browser has no Ed25519 in WebCrypto.
  async function verifyCheckpoint(note, verifierKey) {
    // The base64 part may itself contain "+": split at the first two only.
    var first = verifierKey.indexOf("+"), second = verifierKey.indexOf("+", first + 1);
    if (first < 0 || second < 0) return false;
    var name = verifierKey.slice(0, first), keyID = verifierKey.slice(first + 1, second), raw = b64(verifierKey.slice(second + 1));
    if (raw.length !== 33 || raw[0] !== 1) return false;
    var split = note.indexOf("\n\n");
    var body = new TextEncoder().encode(note.slice(0, split + 1));
    var key;
    try { key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]); }
    catch (e) { return null; }
    var lines = note.slice(split + 2).split("\n");
    for (var i = 0; i < lines.length; i++) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(lines[i]);
      if (!m || m[1] !== name) continue;
      var sig = b64(m[2]);
      if (sig.length !== 68 || hex(sig.slice(0, 4)) !== keyID) continue;
      if (await crypto.subtle.verify({ name: "Ed25519" }, key, sig.slice(4), body)) return true;
    }
    return false;
  }
  // What to say about the checkpoint's signature, for a page's labels L: {kind, text}.
  async function signatureSentence(note, verifierKey, L) {
    var signed = await verifyCheckpoint(note, verifierKey);
    if (signed === null) return { kind: "", text: L.signature_unchecked };
    if (!signed) return { kind: "error", text: L.signature_bad };
    return { kind: "ok", text: L.signed.replace("{key}", verifierKey.split("+").slice(0, 2).join("+")) };  // name+id
  }
  // A witness's cosignature (c2sp.org/tlog-cosignature, SPEC §5): the line is "— <name>
  // <base64(4-byte key id || 8-byte big-endian time || 64-byte signature)>", signed over
  // "cosignature/v1\ntime <time>\n" + the note text; the witness key is "<name>+<hex key
  // id>+<base64(0x04 || 32-byte Ed25519 key)>". Lines of other keys (another name, or another
  // key id under this name) are ignored; every line of this key must be 76 bytes and verify.
  // Resolves the latest time of its lines (unix seconds), "none" when it has no line (or the key
  // is malformed), "bad" when a line of it does not verify, null when this browser has no Ed25519.
  async function cosignature(note, witnessKey) {
    var first = witnessKey.indexOf("+"), second = witnessKey.indexOf("+", first + 1);
    if (first < 0 || second < 0) return "none";
    var name = witnessKey.slice(0, first), keyID = witnessKey.slice(first + 1, second), raw;
    try { raw = b64(witnessKey.slice(second + 1)); } catch (e) { return "none"; }
    if (raw.length !== 33 || raw[0] !== 4) return "none";
    var split = note.indexOf("\n\n");
    if (split < 0) return "none";
    var text = new TextEncoder().encode(note.slice(0, split + 1));
    var key;
    try { key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]); }
    catch (e) { return null; }
    var lines = note.slice(split + 2).split("\n"), time = "none";
    for (var i = 0; i < lines.length; i++) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(lines[i]), blob;
      if (!m || m[1] !== name) continue;
      try { blob = b64(m[2]); } catch (e) { continue; }
      if (blob.length < 4 || hex(blob.slice(0, 4)) !== keyID) continue;
      if (blob.length !== 76) return "bad";
      var t = 0;
      for (var j = 4; j < 12; j++) t = t * 256 + blob[j];   // exact below 2^53 seconds
      var prefix = new TextEncoder().encode("cosignature/v1\ntime " + t + "\n");
      var message = new Uint8Array(prefix.length + text.length);
      message.set(prefix); message.set(text, prefix.length);
      if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, blob.slice(12), message))) return "bad";
      if (time === "none" || t > time) time = t;
    }
    return time;
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
  return { signatureSentence: signatureSentence, verifyCheckpoint: verifyCheckpoint, verifyCosignature: verifyCosignature, witnessSentence: witnessSentence,
           b64: b64, hex: hex, fromHex: fromHex, leafHash: leafHash, verifyInclusion: verifyInclusion,
           parseReceipt: parseReceipt, ballotEntry: ballotEntry, tracker: tracker };
})();
