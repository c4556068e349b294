// How long each named window lasts, in milliseconds.
import type { LimitWindow } from '../dialects/types.ts';

export const WINDOW_MS: Readonly<Record<LimitWindow, number>> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  // Plain REST APIs do not say; an hour covers the common cases (GitHub) for staleness purposes.
  unspecified: 3_600_000,
};
