import { parse as parseYaml } from 'yaml';

const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?\}$/s;
const PART = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export class EnvExpansionError extends Error {}

function lookup(env: Record<string, string | undefined>, name: string, fallback: string | undefined, path: string): string {
  const value = env[name];
  if (value !== undefined && value !== '') return value;
  if (fallback !== undefined) return fallback;
  throw new EnvExpansionError(`${path}: environment variable ${name} is not set`);
}

/**
 * Expands `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree. A scalar that is one
 * placeholder is re-parsed as YAML, so `${ENABLED:-false}` becomes a boolean and `${PORT:-80}` a number.
 */
export function expandEnv(node: unknown, env: Record<string, string | undefined>, path = '$'): unknown {
  if (typeof node === 'string') {
    const whole = WHOLE.exec(node);
    if (whole) return parseYaml(lookup(env, whole[1], whole[2], path));
    return node.replace(PART, (_m, name: string, fallback: string | undefined) => lookup(env, name, fallback, path));
  }
  if (Array.isArray(node)) return node.map((item, i) => expandEnv(item, env, `${path}[${i}]`));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, expandEnv(value, env, `${path}.${key}`)]));
  }
  return node;
}
