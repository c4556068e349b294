// Memory per cached answer, measured in this process: one real mock answer as the template, then
// `entries` distinct answers recorded the way the gateway records them (AnswerRecorder) and put in
// the memory store it uses; the heap and the buffers outside it compared after a full GC before and
// after. (Resident size is no measure here: the heap keeps pages it grew to earlier in the run.)
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AnswerRecorder, RecordingPool } from '../../src/cache/answer-recorder.ts';
import { MemoryAnswers } from '../../src/cache/memory-answers.ts';
import { answerSize, REPLAYED_HEADERS } from '../../src/cache/stored-answer.ts';

export interface EntryMemory {
  entries: number;
  /** What the store counts against `max_size_mb`, per entry. */
  countedBytes: number;
  /** What the JS heap and buffers outside it grew by, per entry. */
  heapBytes: number;
}

function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export async function entryMemory(mockUrl: string, entries: number): Promise<EntryMemory> {
  // A first, smaller round warms the code and the allocator; its numbers are not kept. Of three
  // rounds after it, the median (a GC's timing moves single rounds by a few hundred bytes).
  await measure(mockUrl, Math.ceil(entries / 10));
  const rounds = [];
  for (let i = 0; i < 3; i++) rounds.push(await measure(mockUrl, entries));
  rounds.sort((a, b) => a.heapBytes - b.heapBytes);
  return rounds[1]!;
}

async function measure(mockUrl: string, entries: number): Promise<EntryMemory> {
  const gc = fullGc();
  const res = await fetch(`${mockUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Describe item 0.' }] }),
  });
  const template = await res.text();
  const headers: string[] = [];
  for (const [name, value] of res.headers) if (REPLAYED_HEADERS.has(name)) headers.push(name, value);
  const store = new MemoryAnswers({ maxBytes: 2 ** 40, maxEntryBytes: 2 ** 30, maxEntries: entries + 1 });
  const pool = new RecordingPool(2 ** 40);
  gc();
  const before = process.memoryUsage();
  let counted = 0;
  for (let i = 0; i < entries; i++) {
    // A distinct body of the template's size, arriving as the socket hands it over.
    const recorder = new AnswerRecorder(2 ** 30, pool);
    recorder.data(Buffer.from(template.replace(/"id":"[^"]*"/, `"id":"chatcmpl-${i}"`)));
    recorder.succeeded = true;
    const answer = {
      status: 200,
      headers: [...headers],
      body: recorder.body()!,
      stream: false,
      storedAt: 1,
      expiresAt: Number.MAX_SAFE_INTEGER,
      upstream: 'openai',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 14, outputTokens: 9 },
    };
    recorder.release();
    // Keys as the cache makes them: 64 hex characters.
    store.put(`${i.toString(16).padStart(64, '0')}`, answer);
    counted += answerSize(answer);
  }
  gc();
  const after = process.memoryUsage();
  if (store.entries !== entries) throw new Error(`the store kept ${store.entries} of ${entries} answers`);
  return {
    entries,
    countedBytes: counted / entries,
    heapBytes: (after.heapUsed + after.external - before.heapUsed - before.external) / entries,
  };
}
