// The voting page's token client (SPEC §4, code slips): the RFC 9474 client steps of
// RSABSSA-SHA384-PSS-Deterministic (EMSA-PSS with SHA-384 and MGF1, a 48-byte salt, blinding
// by a random r coprime to n, unblinding, and a final RSA-PSS check with WebCrypto), and the
// RFC 9578 token type 0x0002: TokenChallenge digest, TokenRequest and token assembly.
// BigInt for the modular arithmetic; WebCrypto for the hashes and the final verification;
// nothing fetched from elsewhere. Checked byte for byte against RFC 9474 Appendix A and
// RFC 9578 Appendix A.2 by tools/tests/test_tokens_js.mjs.
var Tokens = (function () {
  "use strict";
  var TOKEN_TYPE = 0x0002;
  var HASH_LENGTH = 48;  // SHA-384
  var SALT_LENGTH = 48;

  function TokenError(message) {
    var error = new Error(message);
    error.name = "TokenError";
    return error;
  }

  // --- bytes ---

  function concat() {
    var parts = Array.prototype.slice.call(arguments).map(function (p) { return p instanceof Uint8Array ? p : new Uint8Array(p); });
    var out = new Uint8Array(parts.reduce(function (n, p) { return n + p.length; }, 0));
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  function u16(n) { return new Uint8Array([(n >> 8) & 0xff, n & 0xff]); }
  function utf8(s) { return new TextEncoder().encode(s); }
  function hex(bytes) { return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join(""); }
  function fromHex(s) {
    if (s.length % 2 || /[^0-9a-fA-F]/.test(s)) throw TokenError("not hex");
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
    return out;
  }
  function b64url(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function fromB64(s) {
    var t = s.replace(/-/g, "+").replace(/_/g, "/");
    while (t.length % 4) t += "=";
    var bin = atob(t);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    var d = 0;
    for (var i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }

  // --- integers (RFC 8017 OS2IP / I2OSP) ---

  function toInt(bytes) { return bytes.length ? BigInt("0x" + hex(bytes)) : 0n; }
  function toBytes(x, length) {
    var h = x.toString(16);
    if (h.length > 2 * length) throw TokenError("integer too large");
    return fromHex(h.padStart(2 * length, "0"));
  }
  function bitLength(x) { return x.toString(2).length; }
  function modPow(base, exponent, modulus) {
    var result = 1n;
    base %= modulus;
    while (exponent > 0n) {
      if (exponent & 1n) result = (result * base) % modulus;
      base = (base * base) % modulus;
      exponent >>= 1n;
    }
    return result;
  }
  // The inverse of a modulo n, or null when they share a factor.
  function modInverse(a, n) {
    var t = 0n, newT = 1n, r = n, newR = ((a % n) + n) % n;
    while (newR !== 0n) {
      var q = r / newR;
      var tmp = t - q * newT; t = newT; newT = tmp;
      tmp = r - q * newR; r = newR; newR = tmp;
    }
    if (r !== 1n) return null;
    return t < 0n ? t + n : t;
  }
  function gcd(a, b) { while (b) { var t = a % b; a = b; b = t; } return a; }
  function random(length) { var b = new Uint8Array(length); crypto.getRandomValues(b); return b; }
  // Uniform in [1, n): rejection sampling on bitLength(n) random bits.
  function randomBelow(n) {
    var bits = bitLength(n), length = Math.ceil(bits / 8);
    for (;;) {
      var b = random(length);
      b[0] &= 0xff >> (8 * length - bits);
      var x = toInt(b);
      if (x > 0n && x < n) return x;
    }
  }

  async function digest(name, data) { return new Uint8Array(await crypto.subtle.digest(name, data)); }

  // --- EMSA-PSS (RFC 8017 §9.1.1) with SHA-384, MGF1-SHA-384 ---

  async function mgf1(seed, length) {
    var out = new Uint8Array(0);
    for (var counter = 0; out.length < length; counter++) {
      var c = new Uint8Array([(counter >>> 24) & 0xff, (counter >>> 16) & 0xff, (counter >>> 8) & 0xff, counter & 0xff]);
      out = concat(out, await digest("SHA-384", concat(seed, c)));
    }
    return out.slice(0, length);
  }

  async function emsaPssEncode(message, emBits, salt) {
    var emLength = Math.ceil(emBits / 8);
    if (salt.length !== SALT_LENGTH || emLength < HASH_LENGTH + SALT_LENGTH + 2) throw TokenError("encoding error");
    var mHash = await digest("SHA-384", message);
    var h = await digest("SHA-384", concat(new Uint8Array(8), mHash, salt));
    var db = concat(new Uint8Array(emLength - SALT_LENGTH - HASH_LENGTH - 2), [0x01], salt);
    var mask = await mgf1(h, emLength - HASH_LENGTH - 1);
    for (var i = 0; i < db.length; i++) db[i] ^= mask[i];
    db[0] &= 0xff >> (8 * emLength - emBits);
    return concat(db, h, [0xbc]);
  }

  // --- the issuer's public key (RFC 9578 §6.5 SPKI, id-RSASSA-PSS) ---

  // One DER element at `at`: its tag, the start of its content and its end.
  function der(bytes, at) {
    var tag = bytes[at], length = bytes[at + 1], start = at + 2;
    if (length & 0x80) {
      var count = length & 0x7f;
      length = 0;
      for (var i = 0; i < count; i++) length = length * 256 + bytes[start + i];
      start += count;
    }
    if (start + length > bytes.length) throw TokenError("the issuing key is not DER");
    return { tag: tag, start: start, end: start + length };
  }

  // The key of an evaluation: n and e from its SPKI, its key id, and a WebCrypto key for
  // the final check of every signature.
  async function publicKey(spki) {
    var outer = der(spki, 0);
    var algorithm = der(spki, outer.start);
    var bits = der(spki, algorithm.end);
    if (outer.tag !== 0x30 || algorithm.tag !== 0x30 || bits.tag !== 0x03 || spki[bits.start] !== 0) throw TokenError("the issuing key is not an SPKI");
    var sequence = der(spki, bits.start + 1);
    var modulus = der(spki, sequence.start);
    var exponent = der(spki, modulus.end);
    if (sequence.tag !== 0x30 || modulus.tag !== 0x02 || exponent.tag !== 0x02) throw TokenError("the issuing key is not RSA");
    var nBytes = spki.slice(modulus.start, modulus.end), eBytes = spki.slice(exponent.start, exponent.end);
    while (nBytes.length && nBytes[0] === 0) nBytes = nBytes.slice(1);
    while (eBytes.length && eBytes[0] === 0) eBytes = eBytes.slice(1);
    var n = toInt(nBytes);
    if (bitLength(n) !== 2048) throw TokenError("the issuing key is not RSA-2048");
    var verifier = await crypto.subtle.importKey("jwk", { kty: "RSA", n: b64url(nBytes), e: b64url(eBytes), alg: "PS384", ext: true },
                                                 { name: "RSA-PSS", hash: "SHA-384" }, false, ["verify"]);
    return { n: n, e: toInt(eBytes), length: 256, keyID: await digest("SHA-256", spki), verifier: verifier };
  }

  // --- RFC 9474 §4.2 Blind and §4.3 Finalize (PSS, Deterministic: the message as it is) ---

  // `fixed` injects the salt and the blind, as its inverse `inv` (RFC 9474's vectors) or as r
  // itself (RFC 9578's `blind`), for the published vectors only.
  async function blind(key, message, fixed) {
    var salt = fixed && fixed.salt ? fixed.salt : random(SALT_LENGTH);
    var encoded = await emsaPssEncode(message, bitLength(key.n) - 1, salt);
    var m = toInt(encoded);
    if (gcd(m, key.n) !== 1n) throw TokenError("invalid input");
    var r, inv;
    if (fixed && fixed.inv) {
      inv = toInt(fixed.inv);
      r = modInverse(inv, key.n);
    } else if (fixed && fixed.r) {
      r = toInt(fixed.r);
      inv = modInverse(r, key.n);
    } else {
      do { r = randomBelow(key.n); inv = modInverse(r, key.n); } while (inv === null);
    }
    if (r === null) throw TokenError("invalid blind");
    var z = (m * modPow(r, key.e, key.n)) % key.n;
    return { blinded: toBytes(z, key.length), inv: toBytes(inv, key.length) };
  }

  // The signature over `message`, or a TokenError if the issuer's answer does not verify: a
  // server that signed wrongly could otherwise mark this voter's token.
  async function finalize(key, message, blindSignature, inv) {
    if (blindSignature.length !== key.length) throw TokenError("the blind signature has the wrong length");
    var z = toInt(blindSignature);
    if (z >= key.n) throw TokenError("the blind signature is out of range");
    var signature = toBytes((z * toInt(inv)) % key.n, key.length);
    var ok = await crypto.subtle.verify({ name: "RSA-PSS", saltLength: SALT_LENGTH }, key.verifier, signature, message);
    if (!ok) throw TokenError("the issuer's signature does not verify");
    return signature;
  }

  // --- RFC 9577 / 9578 ---

  // SHA-256 of the TokenChallenge: type 0x0002, issuer_name, empty or given
  // redemption_context, origin_info.
  async function challengeDigest(issuer, origin, context) {
    var ctx = context || new Uint8Array(0);
    var issuerBytes = utf8(issuer), originBytes = utf8(origin);
    return digest("SHA-256", concat(u16(TOKEN_TYPE), u16(issuerBytes.length), issuerBytes, [ctx.length], ctx,
                                    u16(originBytes.length), originBytes));
  }

  // Step one: a fresh nonce, the token input, and the TokenRequest to send with the code.
  // Returns what finish() needs, as strings (kept in sessionStorage until the ballot is in).
  async function request(key, issuer, origin, fixed) {
    var nonce = fixed && fixed.nonce ? fixed.nonce : random(32);
    var input = concat(u16(TOKEN_TYPE), nonce, await challengeDigest(issuer, origin, fixed && fixed.context), key.keyID);
    var blinded = await blind(key, input, fixed);
    var tokenRequest = concat(u16(TOKEN_TYPE), [key.keyID[31]], blinded.blinded);
    return { request: b64url(tokenRequest), input: b64url(input), inv: b64url(blinded.inv) };
  }

  // Step two: the token (base64url) from the TokenResponse, checked before it is used.
  async function finish(key, pending, tokenResponse) {
    var input = fromB64(pending.input);
    if (!equal(input.slice(66, 98), key.keyID)) throw TokenError("the token was requested for another key");
    var signature = await finalize(key, input, fromB64(tokenResponse), fromB64(pending.inv));
    return b64url(concat(input, signature));
  }

  return { publicKey: publicKey, request: request, finish: finish, blind: blind, finalize: finalize, emsaPssEncode: emsaPssEncode,
           challengeDigest: challengeDigest, hex: hex, fromHex: fromHex, b64url: b64url, fromB64: fromB64, TokenError: TokenError };
})();
