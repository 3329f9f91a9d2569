// Unit test of Sources/MinpingHTTP/Static/tlog.js (the pages' checkpoint and proof checks) in
// Node's WebCrypto: C2SP signatures with keys whose base64 contains '+', tampered notes and
// wrong keys refused, witness cosignatures (the vector of tools/tests/test_cosignature.py; tampered,
// missing, short and impostor lines; the witness sentence), RFC 9162 inclusion proofs against a
// naive tree for sizes 1-40, the bundle verifier's whole-log tree at every size to 77, and signed
// notes read strictly and leniently.
//   node tools/tests/test_tlog_js.mjs
import fs from 'fs';
import crypto from 'crypto';

const src = fs.readFileSync(new URL('../../Sources/MinpingHTTP/Static/tlog.js', import.meta.url), 'utf8');
globalThis.atob = (s) => Buffer.from(s, 'base64').toString('binary');
const Tlog = new Function(src + '; return Tlog;')();
let failures = 0;
const check = (ok, what) => { console.log((ok ? 'ok   ' : 'FAIL ') + what); if (!ok) failures++; };

// Signed notes.
let plus = 0, verified = 0, tamperedAccepted = 0, wrongKeyAccepted = 0;
const other = crypto.generateKeyPairSync('ed25519');
for (let i = 0; i < 200; i++) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const keyB64 = Buffer.concat([Buffer.from([1]), raw]).toString('base64');
  if (keyB64.includes('+')) plus++;
  const name = 'minping/chengqu';
  const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(name + '\n'), Buffer.from([1]), raw])).digest().subarray(0, 4);
  const body = 'minping/chengqu/lz-2026\n5\n' + Buffer.alloc(32, i).toString('base64') + '\n';
  const line = (key) => '\u2014 ' + name + ' ' + Buffer.concat([id, crypto.sign(null, Buffer.from(body), key)]).toString('base64') + '\n';
  const vk = name + '+' + id.toString('hex') + '+' + keyB64;
  if (await Tlog.verifyCheckpoint(body + '\n' + line(privateKey), vk)) verified++;
  if (await Tlog.verifyCheckpoint((body + '\n' + line(privateKey)).replace('\n5\n', '\n6\n'), vk)) tamperedAccepted++;
  if (await Tlog.verifyCheckpoint(body + '\n' + line(other.privateKey), vk)) wrongKeyAccepted++;
}
check(plus > 50 && verified === 200, `200 signed checkpoints verify (${plus} keys with '+' in their base64)`);
check(tamperedAccepted === 0, 'a changed checkpoint body is refused');
check(wrongKeyAccepted === 0, 'a signature by another key is refused');

// Witness cosignatures (c2sp.org/tlog-cosignature): the vector our Swift code made, checked
// byte for byte in CosignatureTests and from the byte layout in tools/tests/test_cosignature.py.
const W_TEXT = 'minping/chengqu/lz-2026\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n';
const W_LINE = '\u2014 district.example/witness ' +
  'iPuDNAAAAABrSdIAFdY1r19sUuP7/ndzTPOfDS7/z/9R7o74bedQewukVfLWanQUfp/9NJMqtpcEiu4wI32zRmPGRbefGtaFss+ADA==';
const W_KEY = 'district.example/witness+88fb8334+BHm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk';
// A second witness, and a key of the first witness's name but another key (so another key id).
const witnessKey = (name, seed) => {
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, seed)]), format: 'der', type: 'pkcs8' });
  const raw = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12);
  const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(name + '\n'), Buffer.from([4]), raw])).digest().subarray(0, 4);
  const vkey = name + '+' + id.toString('hex') + '+' + Buffer.concat([Buffer.from([4]), raw]).toString('base64');
  const blobLine = (blob) => '\u2014 ' + name + ' ' + Buffer.concat([id, blob]).toString('base64');
  const cosign = (text, t) => {
    const time = Buffer.alloc(8); time.writeBigUInt64BE(BigInt(t));
    return blobLine(Buffer.concat([time, crypto.sign(null, Buffer.from('cosignature/v1\ntime ' + t + '\n' + text), privateKey)]));
  };
  return { name, vkey, cosign, blobLine };
};
const jiwei = witnessKey('jiwei.example/witness', 7);
const impostor = witnessKey('district.example/witness', 8);
const logLine = '\u2014 minping/chengqu AAAAAA' + 'A'.repeat(84) + '\n';   // a log signature line (68 bytes), not checked here
const note = (...lines) => W_TEXT + '\n' + logLine + lines.map((l) => l + '\n').join('');
const flip = (line) => { const [d, n, b] = line.split(' '); const raw = Buffer.from(b, 'base64'); raw[raw.length - 1] ^= 1; return [d, n, raw.toString('base64')].join(' '); };
const WL = { witnessed: '见证方联署：{names} 已核验并联署此检查点（{count}/{total}）。', witness_none: 'none yet', witness_bad: 'BAD', signature_unchecked: 'unchecked' };
const district = { name: 'district.example/witness', key: W_KEY, size: 5 };
const jiweiInfo = { name: jiwei.name, key: jiwei.vkey, size: 5 };

check(await Tlog.verifyCosignature(note(W_LINE), W_KEY) === 1800000000, 'the vector cosignature verifies: time 1800000000');
check(await Tlog.verifyCosignature(note(flip(W_LINE)), W_KEY) === false, 'a tampered cosignature line is refused');
check(await Tlog.verifyCosignature(note(W_LINE).replace('\n5\n', '\n6\n'), W_KEY) === false, 'a cosignature of another checkpoint (size changed) is refused');
check(await Tlog.verifyCosignature(note(), W_KEY) === false, 'a note without the witness\'s line: false');
check(await Tlog.verifyCosignature(note(W_LINE), jiwei.vkey) === false, 'one witness\'s cosignature does not count for another');
check(await Tlog.verifyCosignature(note(impostor.cosign(W_TEXT, 5), W_LINE), W_KEY) === 1800000000,
  'a line of another key under the witness\'s name is ignored');
check(await Tlog.verifyCosignature(note('\u2014 district.example/witness AAAA', W_LINE), W_KEY) === 1800000000,
  'a line under the witness\'s name too short for a key id is ignored');
const short = '\u2014 district.example/witness ' + Buffer.concat([Buffer.from('88fb8334', 'hex'), Buffer.alloc(64)]).toString('base64');
check(await Tlog.verifyCosignature(note(W_LINE, short), W_KEY) === false, 'a 68-byte line under the witness\'s key fails, even after a valid one');
check(await Tlog.verifyCosignature(note(jiwei.cosign(W_TEXT, 1800000123)), jiwei.vkey) === 1800000123, 'a cosignature made here verifies, with its time');
check(await Tlog.verifyCosignature(note(jiwei.cosign(W_TEXT, 1800000123), jiwei.cosign(W_TEXT, 1700000000)), jiwei.vkey) === 1800000123,
  'two valid lines of one witness: the latest time');

const sentence = async (n, ws) => JSON.stringify(await Tlog.witnessSentence(n, ws, WL));
check(await sentence(note(W_LINE), [district, jiweiInfo]) === JSON.stringify({ kind: 'ok', text: '见证方联署：district.example/witness 已核验并联署此检查点（1/2）。' }),
  'two witnesses, one vouching: ok, 1/2, its name');
check(await sentence(note(jiwei.cosign(W_TEXT, 9), W_LINE), [district, jiweiInfo]) ===
  JSON.stringify({ kind: 'ok', text: '见证方联署：district.example/witness、jiwei.example/witness 已核验并联署此检查点（2/2）。' }),
  'two witnesses, both vouching: their names joined by 、, 2/2');
check(await sentence(note(), [district, jiweiInfo]) === JSON.stringify({ kind: '', text: 'none yet' }), 'no cosignature yet: witness_none, no error');
check(await sentence(note(flip(W_LINE), jiwei.cosign(W_TEXT, 9)), [district, jiweiInfo]) === JSON.stringify({ kind: 'error', text: 'BAD' }),
  'a tampered line under a named key: witness_bad, even with another witness vouching');
check(await sentence(note(flip(W_LINE)), [jiweiInfo]) === JSON.stringify({ kind: '', text: 'none yet' }), 'a tampered line of an unnamed key is ignored');
check(await Tlog.witnessSentence(note(W_LINE), [], WL) === null && await Tlog.witnessSentence(note(W_LINE), undefined, WL) === null,
  'no witnesses named (empty or missing): null');
check(await sentence(note(W_LINE), [{ name: '$&$1', key: W_KEY, size: 5 }]) === JSON.stringify({ kind: 'ok', text: '见证方联署：$&$1 已核验并联署此检查点（1/1）。' }),
  'a witness name is put in as text ($ patterns are not replacement patterns)');
// A browser without Ed25519 in WebCrypto: importKey throws.
const importKey = globalThis.crypto.subtle.importKey;
globalThis.crypto.subtle.importKey = async () => { throw new Error('NotSupportedError'); };
check(await Tlog.verifyCosignature(note(W_LINE), W_KEY) === null, 'no Ed25519 in WebCrypto: verifyCosignature gives null');
check(await sentence(note(W_LINE), [district]) === JSON.stringify({ kind: '', text: 'unchecked' }), 'no Ed25519: signature_unchecked');
globalThis.crypto.subtle.importKey = importKey;

// Inclusion proofs against a naive RFC 9162 tree.
const sha = (b) => new Uint8Array(crypto.createHash('sha256').update(b).digest());
const leaf = (i) => sha(Buffer.concat([Buffer.from([0]), Buffer.from('entry ' + i)]));
const node = (l, r) => sha(Buffer.concat([Buffer.from([1]), l, r]));
const split = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
const root = (leaves) => leaves.length === 1 ? leaves[0] : node(root(leaves.slice(0, split(leaves.length))), root(leaves.slice(split(leaves.length))));
const path = (m, leaves) => {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), root(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), root(leaves.slice(0, k))];
};
let proofs = 0, good = 0, forgedAccepted = 0;
for (let n = 1; n <= 40; n++) {
  const leaves = Array.from({ length: n }, (_, i) => leaf(i));
  const r = root(leaves);
  for (let m = 0; m < n; m++) {
    proofs++;
    if (await Tlog.verifyInclusion(m, n, leaves[m], path(m, leaves), r)) good++;
    if (await Tlog.verifyInclusion(m, n, leaf(1000), path(m, leaves), r)) forgedAccepted++;
  }
}
check(good === proofs, `${proofs} inclusion proofs verify (sizes 1-40)`);
check(forgedAccepted === 0, 'a leaf not in the tree is refused');
// The bundle verifier's whole-log tree (treeLevels, rootAt) against the naive one at every size.
{
  const leaves = Array.from({ length: 77 }, (_, i) => leaf(i)), levels = await Tlog.treeLevels(leaves);
  let same = Tlog.hex(await Tlog.rootAt(levels, 0)) === Tlog.hex(sha(Buffer.alloc(0)));
  for (let n = 1; n <= 77; n++) same = same && Tlog.hex(await Tlog.rootAt(levels, n)) === Tlog.hex(root(leaves.slice(0, n)));
  check(same, 'treeLevels and rootAt give the RFC 9162 root of the first n leaves for every n from 0 to 77');
}
// Signed notes read strictly (the bundle verifier) as golang.org/x/mod/sumdb/note does.
{
  const refused = (note) => { try { Tlog.splitNote(note); return false; } catch (e) { return e.message; } };
  const good = W_TEXT + '\n' + W_LINE + '\n';
  check(Tlog.splitNote(good).sigs.length === 1 && Tlog.hex(Tlog.splitNote(good).text) === Buffer.from(W_TEXT).toString('hex'),
    'a note splits at its blank line into the text and its signature line');
  check(refused(W_TEXT + '\n' + W_LINE) && refused(W_TEXT + '\n') && refused(W_TEXT + '\n' + 'signed by me\n') &&
        refused(W_TEXT + '\n\u2014 district.example/witness AAAA\n') && refused(new Uint8Array([0xff, 10, 10, 10])),
    'strictly, refused: no final newline, no signature line, a line without the em dash, a line too short for a key id, bytes not UTF-8');
  check(Tlog.splitNote(W_TEXT + '\n\u2014 district.example/witness AAAA\n' + W_LINE + '\n', true).sigs.length === 1,
    'leniently (the pages), a malformed line is skipped');
  check(Tlog.decimal('9007199254740993') === 9007199254740993n && Tlog.decimal('12') === 12 && Tlog.decimal('012') === null &&
        Tlog.decimal('9223372036854775808') === null, 'sizes: exact past 2^53 (BigInt), no leading zeros, at most 2^63 - 1');
  check(Tlog.hex(Tlog.b64Key('QUJD===')) === '414243' && Tlog.b64Key('QUI') === null && Tlog.b64Key('QUI==') === null,
    'a key\'s base64 is read as Python\'s b64decode(validate=True) reads it');
}
// The tracker (SPEC §1): SHA-256 of the JCS bytes {"ratings":{...},"token":"..."}. Expected value
// from Python: json.dumps({"ratings": r, "token": t}, sort_keys=True, ensure_ascii=False,
// separators=(",", ":")), UTF-8, SHA-256.
const tracker = await Tlog.tracker('AAI-x_y', { 'm-2': 'dissatisfied', 'm-1': '满意', 'fy-1': 'satisfied' });
check(tracker === 'b51e6b0b17fbe30743d099698221b26a4032ae16025220c643b752bba1f4fbb6', 'the tracker is SHA-256 of the ballot\'s canonical JSON (keys sorted, Chinese as UTF-8)');

// Subject ids "__proto__" and "constructor" are valid ([a-z0-9_-]{1,64}): both must be own keys
// of the canonical JSON, sorted with the rest (a {} would drop "__proto__" on assignment). The
// ratings come as the voting page builds them (Object.create(null)) and as JSON.parse makes them
// (an own "__proto__" key); the expected bytes are written out here and hashed by Node.
const token = 'AAI-x_y';
const nullProto = Object.create(null);
nullProto['m-1'] = '满意'; nullProto.constructor = 'dissatisfied'; nullProto['__proto__'] = 'satisfied';
const parsed = JSON.parse('{"m-1":"满意","constructor":"dissatisfied","__proto__":"satisfied"}');
const ratingsJCS = '{"__proto__":"satisfied","constructor":"dissatisfied","m-1":"满意"}';
const trackerJCS = '{"ratings":' + ratingsJCS + ',"token":"AAI-x_y"}';
const expectedTracker = crypto.createHash('sha256').update(Buffer.from(trackerJCS, 'utf8')).digest('hex');
const receipt = { prev: new Uint8Array(32).fill(0xab), index: 7 };
const entryJCS = '{"prev":"' + 'ab'.repeat(32) + '","ratings":' + ratingsJCS + ',"seq":7,"token":"AAI-x_y","type":"ballot","v":1}';
for (const [how, ratings] of [['Object.create(null)', nullProto], ['JSON.parse', parsed]]) {
  check(Object.keys(ratings).length === 3, `${how}: the ratings hold __proto__ and constructor as own keys`);
  check(await Tlog.tracker(token, ratings) === expectedTracker,
    `${how}: the tracker is SHA-256 of ${trackerJCS}`);
  const entry = new TextDecoder().decode(Tlog.ballotEntry(receipt, token, ratings));
  check(entry === entryJCS, `${how}: the ballot entry keeps __proto__ and constructor, sorted: ${entry.slice(entry.indexOf('"ratings"'), entry.indexOf(',"seq"'))}`);
}

console.log(`tlog.js: ${failures} failed`);
process.exit(failures ? 1 : 0);
