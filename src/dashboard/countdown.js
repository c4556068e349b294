// Countdowns that keep running between two polls: each element holds its deadline (on the page's
// monotonic clock) and a ticker rewrites the text a few times a second.
import { el } from './element.js';
import { formatDuration } from './format.js';

/**
 * A span reading `${prefix}4.2 s`, then `done` once the deadline has passed.
 * @param {number} deadline performance.now() ms
 * @param {string} prefix
 * @param {string} done
 */
export function countdown(deadline, prefix, done) {
  const node = el('span', { class: 'countdown' });
  node.dataset.deadline = String(deadline);
  node.dataset.prefix = prefix;
  node.dataset.done = done;
  tick(node, performance.now());
  return node;
}

/**
 * @param {HTMLElement} node
 * @param {number} now
 */
function tick(node, now) {
  const left = Number(node.dataset.deadline) - now;
  node.textContent = left > 0 ? `${node.dataset.prefix}${formatDuration(left)}` : (node.dataset.done ?? '');
}

/** @param {ParentNode} root */
export function startCountdowns(root) {
  setInterval(() => {
    const now = performance.now();
    for (const node of root.querySelectorAll('[data-deadline]')) tick(/** @type {HTMLElement} */ (node), now);
  }, 200);
}
