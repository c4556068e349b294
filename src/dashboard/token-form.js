// Asks for the admin token with the page's own form (never prompt()), once per refusal. The input
// has no name, and the page's CSP allows no form submission: the token can only leave as a header.

/**
 * Shows the form with `message` and resolves with what was entered.
 * @param {Document} doc
 * @param {string} message
 * @returns {Promise<string>}
 */
export function askForToken(doc, message) {
  const form = /** @type {HTMLFormElement} */ (doc.getElementById('token-form'));
  const input = /** @type {HTMLInputElement} */ (doc.getElementById('token-input'));
  const text = /** @type {HTMLElement} */ (doc.getElementById('token-message'));
  text.textContent = message;
  input.value = '';
  form.hidden = false;
  input.focus();
  return new Promise((resolve) => {
    /** @param {SubmitEvent} event */
    const submitted = (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (token === '') return;
      input.value = '';
      form.hidden = true;
      form.removeEventListener('submit', submitted);
      resolve(token);
    };
    form.addEventListener('submit', submitted);
  });
}
