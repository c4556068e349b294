// Builds DOM nodes from data. Text always goes in as text (model names and paths come from
// clients): nothing here parses markup.

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {{ class?: string, title?: string, attrs?: Record<string, string> }} Props
 */

/**
 * An element with a class, a title and children; strings and numbers become text nodes.
 * @param {string} tag
 * @param {Props | null} props
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  if (props?.class) node.className = props.class;
  if (props?.title) node.title = props.title;
  for (const [name, value] of Object.entries(props?.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'number' ? String(child) : child);
  }
  return node;
}

/**
 * One name/value line of a `<dl class="pairs">`, with an id for tests and styles when given.
 * @param {string} name
 * @param {string} value
 * @param {string} [id]
 */
export function pair(name, value, id) {
  return el('div', id ? { attrs: { id } } : null, el('dt', null, name), el('dd', null, value));
}

/**
 * A table with a header row of `columns` and the given body rows.
 * @param {string} className
 * @param {readonly string[]} columns
 * @param {Child[]} rows
 * @returns {HTMLElement}
 */
export function table(className, columns, rows) {
  const head = el(
    'tr',
    null,
    columns.map((c) => el('th', { attrs: { scope: 'col' } }, c)),
  );
  return el('table', { class: className }, el('thead', null, head), el('tbody', null, rows));
}
