// What the Clients section says, from /stats: how clients are told apart, their default limits,
// and per client seen lately what it sent, what was refused, and what its own buckets have left.
// Pure, so it is tested without a browser.
import { formatCount, formatDuration } from './format.js';

/**
 * @typedef {{ rpm?: number, burst?: number, tpm?: number }} ClientLimits
 * @typedef {{
 *   client: string,
 *   requests: number,
 *   rate_limited: number,
 *   over_budget: number,
 *   last_seen_s_ago: number,
 *   limits: ClientLimits,
 *   remaining: { requests?: number, tokens?: number },
 * }} ClientStats
 * @typedef {{
 *   identify_by: string,
 *   virtual_keys: number,
 *   ingress: boolean,
 *   limits: ClientLimits,
 *   tracked: number,
 *   recent: ClientStats[],
 * }} ClientsStats
 * @typedef {{
 *   client: string, requests: string, rateLimited: string, overBudget: string,
 *   requestsLeft: string, tokensLeft: string, lastSeen: string,
 * }} ClientRow
 */

const IDENTIFY_BY = {
  virtual_key: 'virtual key',
  api_key: 'API key (hashed)',
  ip: 'address',
};

/** @param {string} by `virtual_key`, `api_key`, `ip` or `header:<name>` */
export function identifyByText(by) {
  if (by.startsWith('header:')) return `header ${by.slice('header:'.length)}`;
  return IDENTIFY_BY[/** @type {keyof typeof IDENTIFY_BY} */ (by)] ?? by;
}

/** @param {ClientLimits | undefined} limits "60 rpm (burst 10), 100,000 tpm", or "none" */
export function limitsText(limits) {
  const parts = [];
  if (limits?.rpm !== undefined)
    parts.push(
      limits.burst === undefined
        ? `${formatCount(limits.rpm)} rpm`
        : `${formatCount(limits.rpm)} rpm (burst ${formatCount(limits.burst)})`,
    );
  if (limits?.tpm !== undefined) parts.push(`${formatCount(limits.tpm)} tpm`);
  return parts.length ? parts.join(', ') : 'none';
}

/**
 * What a bucket has left against its size. No reading with a limit set means the bucket was not
 * touched lately (it is full), which the gateway does not report as a number.
 * @param {number | undefined} remaining
 * @param {number | undefined} size
 */
export function allowanceText(remaining, size) {
  if (size === undefined) return remaining === undefined ? '–' : `${formatCount(remaining)} left`;
  if (remaining === undefined) return `limit ${formatCount(size)}`;
  return `${formatCount(remaining)} of ${formatCount(size)}`;
}

/** @param {number} s */
export function lastSeenText(s) {
  if (s < 1) return 'just now';
  if (s < 60) return `${Math.round(s)} s ago`;
  return `${formatDuration(s * 1000)} ago`;
}

/** @param {ClientStats} c @returns {ClientRow} */
export function clientRow(c) {
  // The requests bucket holds `burst` when set, else a minute's worth.
  const requestsSize = c.limits?.burst ?? c.limits?.rpm;
  return {
    client: c.client,
    requests: formatCount(c.requests),
    rateLimited: formatCount(c.rate_limited),
    overBudget: formatCount(c.over_budget),
    requestsLeft: allowanceText(c.remaining?.requests, requestsSize),
    tokensLeft: allowanceText(c.remaining?.tokens, c.limits?.tpm),
    lastSeen: lastSeenText(c.last_seen_s_ago),
  };
}
