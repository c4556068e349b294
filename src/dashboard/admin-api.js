// The admin API as the page reads it: GET, with the admin token (once one was given) as a bearer
// header. The token lives in this tab's sessionStorage only: never in a URL, never in the page.

const TOKEN_KEY = 'cooldown.admin-token';

/**
 * @typedef {{ kind: 'ok', body: any }
 *   | { kind: 'unauthorized' }
 *   | { kind: 'locked', retryAfterS: number }
 *   | { kind: 'failed', message: string }} ApiAnswer
 * `any`: the body is whatever JSON the endpoint documents; each view reads its own part.
 */

/**
 * @param {typeof fetch} fetchFn
 * @param {Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>} storage
 */
export function createAdminApi(fetchFn, storage) {
  return {
    hasToken() {
      return storage.getItem(TOKEN_KEY) !== null;
    },
    /** @param {string} token */
    setToken(token) {
      storage.setItem(TOKEN_KEY, token);
    },
    forgetToken() {
      storage.removeItem(TOKEN_KEY);
    },
    /**
     * @param {string} path
     * @returns {Promise<ApiAnswer>}
     */
    async get(path) {
      const token = storage.getItem(TOKEN_KEY);
      /** @type {Record<string, string>} */
      const headers = { accept: 'application/json' };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let res;
      try {
        res = await fetchFn(path, { headers, cache: 'no-store' });
      } catch {
        return { kind: 'failed', message: 'The gateway does not answer.' };
      }
      if (res.status === 401) return { kind: 'unauthorized' };
      if (res.status === 429) {
        const seconds = Number(res.headers.get('retry-after'));
        return { kind: 'locked', retryAfterS: Number.isFinite(seconds) && seconds > 0 ? seconds : 60 };
      }
      if (!res.ok) return { kind: 'failed', message: `${path} answered ${res.status}.` };
      try {
        return { kind: 'ok', body: await res.json() };
      } catch {
        return { kind: 'failed', message: `${path} did not answer JSON.` };
      }
    },
  };
}
