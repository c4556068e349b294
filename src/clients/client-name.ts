// What a client's name may be: it appears unquoted in config lines, logs and metric labels.

export const CLIENT_NAME_RULE = '1-64 characters of A-Z, a-z, 0-9, _, . and -';

const CLIENT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function isClientName(name: string): boolean {
  return CLIENT_NAME.test(name);
}
