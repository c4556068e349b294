// Bench process: the mock upstream alone in its own process, recording nothing (flat memory).
import { startMockUpstream } from '../../src/mock/mock-upstream.ts';

const port = Number(process.env.PORT ?? 0);
const mock = await startMockUpstream({ port, record: false });
process.stdout.write(`${JSON.stringify({ url: mock.url })}\n`);
process.on('SIGTERM', () => mock.close().then(() => process.exit(0)));
