// After `vite build`:
// - a gzip copy beside each text asset of dist/assets, which the gateway sends to a browser that
//   accepts gzip (deployments/web.py) instead of compressing on every request;
// - the initial JavaScript (the entry and what it imports statically, from Vite's manifest),
//   gzipped, printed and held to its budget: the build fails above it.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const assets = join(dist, 'assets');
const COMPRESSIBLE = /\.(js|css|svg|json|txt|map)$/;
const MIN_BYTES = 1024; // below this the headers cost more than the saving
const INITIAL_BUDGET_KB = 250;
const FIRST_VIEW_BUDGET_KB = 8; // the dashboard's first view runs before the app: it must stay small

let before = 0;
let after = 0;
const gzippedBytes = new Map();
for (const name of readdirSync(assets)) {
  const path = join(assets, name);
  if (!COMPRESSIBLE.test(name)) continue;
  const raw = readFileSync(path);
  const gzipped = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
  gzippedBytes.set(`assets/${name}`, gzipped.length);
  if (statSync(path).size < MIN_BYTES || gzipped.length >= raw.length) continue;
  writeFileSync(`${path}.gz`, gzipped);
  before += raw.length;
  after += gzipped.length;
}
console.log(`precompressed dist/assets: ${(before / 1024).toFixed(1)} KB → ${(after / 1024).toFixed(1)} KB gzip`);

const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));
const initial = new Set();
const pending = ['index.html'];
while (pending.length > 0) {
  const key = pending.pop();
  if (initial.has(key) || !(key in manifest)) continue;
  initial.add(key);
  pending.push(...(manifest[key].imports ?? []));
}
const files = [...initial].map((key) => manifest[key].file).filter((file) => file.endsWith('.js'));
const initialKb = files.reduce((sum, file) => sum + (gzippedBytes.get(file) ?? 0), 0) / 1024;
console.log(`initial JavaScript: ${initialKb.toFixed(1)} KB gzipped in ${files.length} file(s) (budget ${INITIAL_BUDGET_KB} KB)`);
if (initialKb > INITIAL_BUDGET_KB) {
  console.error(`the initial JavaScript is over its ${INITIAL_BUDGET_KB} KB budget: split a route or a library out of the entry`);
  process.exit(1);
}

const firstView = JSON.parse(readFileSync(join(dist, '.vite', 'first-view.json'), 'utf8'));
const firstViewKb = Object.values(firstView).reduce((sum, chunk) => sum + (gzippedBytes.get(chunk.file) ?? 0), 0) / 1024;
console.log(`dashboard first view: ${firstViewKb.toFixed(1)} KB gzipped (budget ${FIRST_VIEW_BUDGET_KB} KB)`);
if (firstViewKb > FIRST_VIEW_BUDGET_KB) {
  console.error(`the first view is over its ${FIRST_VIEW_BUDGET_KB} KB budget: it must not import the app's libraries`);
  process.exit(1);
}
