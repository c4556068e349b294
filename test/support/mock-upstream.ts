// The mock upstream's public API, for tests: a scriptable fake provider on loopback.
export type {
  Fault,
  FaultRule,
  MockDialect,
  MockLimits,
  MockUpstream,
  MockUpstreamOptions,
  ReceivedRequest,
} from '../../src/mock/mock-upstream.ts';
export { startMockUpstream } from '../../src/mock/mock-upstream.ts';
