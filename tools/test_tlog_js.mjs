// Unit test of Sources/MinpingHTTP/Static/tlog.js (the pages' checkpoint and proof checks) in
// Node's WebCrypto: C2SP signatures with keys whose base64 contains '+', tampered notes and
// wrong keys refused, and RFC 9162 inclusion proofs against a naive tree for sizes 1-40.
//   node tools/test_tlog_js.mjs
import fs from 'fs';
import crypto from 'crypto';

const src = fs.readFileSync(new URL('../Sources/MinpingHTTP/Static/tlog.js', import.meta.url), 'utf8');
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
