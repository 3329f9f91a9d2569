// Unit test of Sources/MinpingHTTP/Static/tokens.js (the voting page's RFC 9474 / RFC 9578
// client) in Node's WebCrypto, byte for byte against the published vectors the Swift tests
// use (Tests/MinpingTokensTests/Vectors): RFC 9474 Appendix A (PSS-Deterministic, salt and
// blinding inverse injected) and RFC 9578 Appendix A.2 (five type 0x0002 vectors); a
// corrupted blind signature is refused.
//   node tools/tests/test_tokens_js.mjs
import fs from 'fs';

const read = (path) => fs.readFileSync(new URL('../../' + path, import.meta.url), 'utf8');
const Tokens = new Function(read('Sources/MinpingHTTP/Static/tokens.js') + '; return Tokens;')();
const vectors = 'Tests/MinpingTokensTests/Vectors/';
let failures = 0;
const check = (ok, what) => { console.log((ok ? 'ok   ' : 'FAIL ') + what); if (!ok) failures++; };
const hex = Tokens.hex, fromHex = Tokens.fromHex;
const refuses = async (promise) => { try { await promise; return false; } catch (e) { return e.name === 'TokenError'; } };

// RFC 9474 Appendix A, RSABSSA-SHA384-PSS-Deterministic.
{
  const v = JSON.parse(read(vectors + 'rfc9474-pss-deterministic.json'));
  const strip = (h) => h.replace(/^(00)+/, '');
  const verifier = await crypto.subtle.importKey('jwk', { kty: 'RSA', n: Tokens.b64url(fromHex(strip(v.n))), e: Tokens.b64url(fromHex(strip(v.e))), alg: 'PS384' },
                                                 { name: 'RSA-PSS', hash: 'SHA-384' }, false, ['verify']);
  const key = { n: BigInt('0x' + v.n), e: BigInt('0x' + v.e), length: v.n.length / 2, verifier };  // RSA-4096 in the RFC
  const msg = fromHex(v.msg);
  check(v.prepared_msg === v.msg, 'RFC 9474: the Deterministic variant signs the message as it is');
  const encoded = await Tokens.emsaPssEncode(msg, v.n.length * 4 - 1, fromHex(v.salt));
  check(hex(encoded) === v.encoded_msg, 'RFC 9474: EMSA-PSS encoding (SHA-384, MGF1, salt 48) is encoded_msg');
  const blinded = await Tokens.blind(key, msg, { salt: fromHex(v.salt), inv: fromHex(v.inv) });
  check(hex(blinded.blinded) === v.blinded_msg, 'RFC 9474: blinding gives blinded_msg');
  const sig = await Tokens.finalize(key, msg, fromHex(v.blind_sig), fromHex(v.inv));
  check(hex(sig) === v.sig, 'RFC 9474: unblinding blind_sig gives sig, and WebCrypto verifies it');
  const corrupted = fromHex(v.blind_sig);
  corrupted[100] ^= 1;
  check(await refuses(Tokens.finalize(key, msg, corrupted, fromHex(v.inv))), 'RFC 9474: a corrupted blind signature is refused');
  check(await refuses(Tokens.finalize(key, fromHex(v.msg.replace(/^../, 'ff')), fromHex(v.blind_sig), fromHex(v.inv))),
        'RFC 9474: a signature over another message is refused');
  const fresh = await Tokens.blind(key, msg);
  check(hex(fresh.blinded) !== v.blinded_msg && fresh.blinded.length === v.n.length / 2, 'RFC 9474: without injection the salt and blind are random');
}

// RFC 9578 Appendix A.2: the five type 0x0002 vectors (issuer "issuer.example").
{
  const all = JSON.parse(read(vectors + 'rfc9578-a2.json'));
  const contexts = ['8e7acc900e393381e8810b7c9e4a68b5163f1f880ab6688a6ffe780923609e88', '', '', '', '8e7acc900e393381e8810b7c9e4a68b5163f1f880ab6688a6ffe780923609e88'];
  const origins = ['origin.example', 'origin.example', 'foo.example,bar.example', '', ''];
  for (let i = 0; i < all.length; i++) {
    const v = all[i];
    const key = await Tokens.publicKey(fromHex(v.pkS));
    const token = fromHex(v.token);
    check(hex(key.keyID) === hex(token.slice(66, 98)), `RFC 9578 #${i + 1}: key id = SHA-256 of pkS, as in the token`);
    const digest = await Tokens.challengeDigest('issuer.example', origins[i], fromHex(contexts[i]));
    const published = new Uint8Array(await crypto.subtle.digest('SHA-256', fromHex(v.token_challenge)));
    check(hex(digest) === hex(published) && hex(digest) === hex(token.slice(34, 66)), `RFC 9578 #${i + 1}: TokenChallenge digest`);
    const pending = await Tokens.request(key, 'issuer.example', origins[i],
                                         { nonce: fromHex(v.nonce), salt: fromHex(v.salt), r: fromHex(v.blind), context: fromHex(contexts[i]) });
    check(hex(Tokens.fromB64(pending.request)) === v.token_request, `RFC 9578 #${i + 1}: TokenRequest`);
    const made = await Tokens.finish(key, pending, Tokens.b64url(fromHex(v.token_response)));
    check(hex(Tokens.fromB64(made)) === v.token, `RFC 9578 #${i + 1}: the token from the TokenResponse`);
    const wrong = fromHex(v.token_response);
    wrong[0] ^= 0x80;
    check(await refuses(Tokens.finish(key, pending, Tokens.b64url(wrong))), `RFC 9578 #${i + 1}: a corrupted TokenResponse is refused`);
  }
}

console.log(`tokens.js: ${failures} failed`);
process.exit(failures ? 1 : 0);
