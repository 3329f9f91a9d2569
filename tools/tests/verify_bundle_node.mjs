// The browser verifier's core (Sources/MinpingHTTP/Static/verify-bundle*.js, with tlog.js) run
// in Node's WebCrypto, with tools/verify_bundle.py's arguments and output: "OK …" (the summary
// line of `minping audit verify`) and exit 0, "FAIL …" and exit 1, a message and exit 2.
//   node tools/tests/verify_bundle_node.mjs DIR|FILE [--log-key VKEY] [--checkpoint FILE]...
//                                          [--witness-key VKEY]... [--witness-quorum K]
import fs from 'fs';
import path from 'path';

const root = new URL('../../Sources/MinpingHTTP/Static/', import.meta.url);
const read = (name) => fs.readFileSync(new URL(name, root), 'utf8');
// The verifier's parts in the order the /verify page joins them (PageRenderer.VerifyAssets.verifierParts).
const verifier = ['verify-bundle-files.js', 'verify-bundle-json.js', 'verify-bundle.js'].map(read).join('\n');
const { Tlog, VerifyBundle } = new Function(read('tlog.js') + verifier + '; return { Tlog, VerifyBundle };')();

const args = process.argv.slice(2);
let dir = null, logKey, quorum;
const earlier = [], witnessKeys = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i], value = args[i + 1];
  if (a === '--log-key') { logKey = value; i++; }
  else if (a === '--checkpoint') { earlier.push({ label: value, note: new Uint8Array(fs.readFileSync(value)) }); i++; }
  else if (a === '--witness-key') { witnessKeys.push(value); i++; }
  else if (a === '--witness-quorum') { quorum = Number(value); i++; }
  else if (dir === null) dir = a;
  else { console.error('usage: verify_bundle_node.mjs DIR [options]'); process.exit(2); }
}
const folder = new Map();
const walk = (d, prefix) => {
  for (const name of fs.readdirSync(d)) {
    const full = path.join(d, name);
    if (fs.statSync(full).isDirectory()) { folder.set(prefix + name + '/', null); walk(full, prefix + name + '/'); }
    else folder.set(prefix + name, new Uint8Array(fs.readFileSync(full)));
  }
};
// A folder as `minping audit export` writes it, or a file as the page takes it (tar, zip, .tar.gz).
const files = fs.statSync(dir).isDirectory() ? (walk(dir, ''), folder) : await VerifyBundle.unpack(fs.openAsBlob ? await fs.openAsBlob(dir) : new Blob([fs.readFileSync(dir)]));
// As verify_bundle.py takes them: the same key twice counts once; the quorum between 1 and them.
const witnesses = [];
for (const key of witnessKeys) {
  let w;
  try { w = await Tlog.parseVerifierKey(key, 4); }
  catch (e) { console.error(`--witness-key ${key}: ${e.message}`); process.exit(2); }
  if (!witnesses.some((x) => x.name === w.name && Tlog.hex(x.raw) === Tlog.hex(w.raw))) witnesses.push(w);
}
if (quorum !== undefined && !(Number.isInteger(quorum) && quorum >= 1 && quorum <= witnesses.length)) {
  console.error('--witness-quorum must be between 1 and the distinct witness keys given');
  process.exit(2);
}
try {
  const started = Date.now();
  const result = await VerifyBundle.verify(files, { logKey, earlier, witnesses, quorum });
  console.log(result.line);
  if (process.env.VERIFY_TIME) console.error(`${(Date.now() - started) / 1000} s`);
  process.exit(result.ok ? 0 : 1);
} catch (e) {
  console.error('ERROR cannot read bundle: ' + (e.message || e));
  process.exit(2);
}
