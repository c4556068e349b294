import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crushJson } from './crush-json.ts';
import { scanJson } from './json/json-scan.ts';
import { queryTermsOf } from './relevance.ts';

interface Row {
  id: number;
  host: string;
  latency_ms: number;
  ts: string;
  status: number;
  message: string;
}

/** 200 similar rows: steady latency with a little deterministic jitter, one timestamp a second. */
function rows(count = 200): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i,
    host: `web-${i % 7}`,
    latency_ms: 100 + ((i * 37) % 11),
    ts: `2025-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
    status: 200,
    message: 'handled request',
  }));
}

function crush(value: unknown, request = '', maxItems = 40) {
  const text = JSON.stringify(value);
  const result = crushJson(text, scanJson(text)!, { maxItems, queryTerms: queryTermsOf(request) });
  return { text, result, kept: result ? (JSON.parse(result.text) as Record<string, unknown>[]) : [] };
}

const ids = (kept: Record<string, unknown>[]) => kept.filter((r) => !('_omitted' in r)).map((r) => r.id);

test('first and last three kept, in order, with a marker counting what was left out', () => {
  const { kept, result } = crush(rows());
  const keptIds = ids(kept) as number[];
  for (const id of [0, 1, 2, 197, 198, 199]) assert.ok(keptIds.includes(id), `${id}`);
  assert.deepEqual(
    keptIds,
    [...keptIds].sort((a, b) => a - b),
  );
  const marker = kept[kept.length - 1]!;
  assert.equal(marker._omitted, 200 - keptIds.length);
  assert.equal(result!.dropped, 200 - keptIds.length);
  assert.match(String(marker._note), new RegExp(`^${200 - keptIds.length} of 200 similar items left out`));
});

test('every item with an error is kept, even past the cap', () => {
  const data = rows();
  const bad = [10, 20, 30, 40, 50, 60, 70, 80];
  data[10]!.message = 'connection refused';
  data[20]!.status = 503;
  (data[30] as unknown as Record<string, unknown>).error = { code: 'E1' };
  (data[40] as unknown as Record<string, unknown>).ok = false;
  data[50]!.message = 'Request TIMED OUT';
  (data[60] as unknown as Record<string, unknown>).level = 'FATAL';
  (data[70] as unknown as Record<string, unknown>).details = { reason: 'permission denied' };
  (data[80] as unknown as Record<string, unknown>).success = false;
  // Not errors: an empty error field, a zero error count, a 404.
  (data[90] as unknown as Record<string, unknown>).error = null;
  (data[91] as unknown as Record<string, unknown>).error_count = 0;
  data[92]!.status = 404;
  const { kept } = crush(data, '', 8);
  const keptIds = ids(kept);
  for (const id of bad) assert.ok(keptIds.includes(id), `error item ${id} kept`);
  for (const id of [90, 91, 92]) assert.ok(!keptIds.includes(id), `item ${id} is no error`);
  assert.equal(keptIds.length, 6 + bad.length, 'first/last and errors only: the cap of 8 is full');
  assert.match(String(kept[kept.length - 1]!._note), /8 with errors/);
});

test('numeric outliers are kept', () => {
  const data = rows();
  data[77]!.latency_ms = 9000;
  data[133]!.latency_ms = 1;
  const keptIds = ids(crush(data).kept);
  assert.ok(keptIds.includes(77));
  assert.ok(keptIds.includes(133));
});

test('change points of a time series are kept: the jumps into and out of an incident', () => {
  const data = rows();
  for (let i = 120; i < 140; i++) data[i]!.latency_ms += 400;
  const { kept } = crush(data, '', 12);
  const keptIds = ids(kept);
  assert.ok(keptIds.includes(120), 'the first item of the incident');
  assert.ok(keptIds.includes(140), 'the first item after it');
  assert.match(String(kept[kept.length - 1]!._note), /change points|outliers/);
});

test('items relevant to the latest user request are kept', () => {
  const data = rows();
  data[101]!.host = 'billing-db';
  data[150]!.message = 'slow query on billing';
  const keptIds = ids(crush(data, 'Why is the billing service slow?').kept);
  assert.ok(keptIds.includes(101));
  assert.ok(keptIds.includes(150));
});

test('the object wrapper case: the biggest member array is crushed, the other members stay', () => {
  const { kept, result } = crush({ total: 1000, results: rows(), next: 'cursor-2' });
  assert.ok(result);
  const body = kept as unknown as { total: number; results: Record<string, unknown>[]; next: string };
  assert.equal(body.total, 1000);
  assert.equal(body.next, 'cursor-2');
  assert.ok('_omitted' in body.results[body.results.length - 1]!);
});

test('idempotent: crushing the output again changes nothing', () => {
  const first = crush(rows(400));
  assert.ok(first.result);
  const again = crushJson(first.result.text, scanJson(first.result.text)!, { maxItems: 40, queryTerms: [] });
  assert.equal(again, undefined);
});

test('big integers in kept items go out byte for byte', () => {
  const lines = rows().map(
    (r, i) => `{"id":${12345678901234567890n + BigInt(i)},"latency_ms":${r.latency_ms},"v":1.50}`,
  );
  const text = `[\n  ${lines.join(',\n  ')}\n]`;
  const result = crushJson(text, scanJson(text)!, { maxItems: 10, queryTerms: [] })!;
  assert.ok(result.text.startsWith('[{"id":12345678901234567890,"latency_ms":'));
  assert.ok(result.text.includes('{"id":12345678901234568089,'), 'the last item, digits intact');
  assert.ok(result.text.includes('"v":1.50'), 'number spelling kept');
});

test('non-uniform arrays, small arrays and arrays of scalars are left alone', () => {
  const mixed = Array.from({ length: 50 }, (_, i) => (i % 2 ? { [`k${i}`]: i } : `s${i}`));
  assert.equal(crush(mixed).result, undefined);
  assert.equal(crush(rows(11)).result, undefined);
  assert.equal(crush(Array.from({ length: 100 }, (_, i) => i)).result, undefined);
  const distinct = Array.from({ length: 50 }, (_, i) => ({ [`a${i}`]: 1, [`b${i}`]: 2 }));
  assert.equal(crush(distinct).result, undefined);
});
