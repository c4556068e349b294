// `${VAR}` and `${VAR:-default}` inside YAML string values, expanded from the environment.
import { formatPath } from './config-error.ts';

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_VAR = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Expands variables in every string of a parsed YAML tree. A value that is nothing but an unset
 * variable with no default counts as absent (the key is dropped), so `keys: ${GROQ_API_KEYS}` with
 * the variable unset means "no keys" rather than one empty key. An unset variable inside a longer
 * string (`http://${HOST}:8080`) is a problem, reported in `problems` with its key path.
 */
export function expandVars(
  node: unknown,
  env: Env,
  problems: string[] = [],
  path: PropertyKey[] = [],
): unknown {
  if (typeof node === 'string') return expandString(node, env, problems, path);
  if (Array.isArray(node)) {
    return node
      .map((item, i) => expandVars(item, env, problems, [...path, i]))
      .filter((v) => v !== undefined);
  }
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const expanded = expandVars(v, env, problems, [...path, k]);
      if (expanded !== undefined) out[k] = expanded;
    }
    return out;
  }
  return node;
}

function lookup(env: Env, name: string, fallback: string | undefined): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

function expandString(text: string, env: Env, problems: string[], path: PropertyKey[]): string | undefined {
  if (!text.includes('${')) return text;
  const whole = WHOLE_VAR.exec(text);
  if (whole) return lookup(env, whole[1]!, whole[2]);
  return text.replace(VAR, (_, name: string, fallback: string | undefined) => {
    const value = lookup(env, name, fallback);
    if (value === undefined) {
      problems.push(
        `${formatPath(path)}: \${${name}} is not set (write \${${name}:-default} to give a default)`,
      );
      return '';
    }
    return value;
  });
}
