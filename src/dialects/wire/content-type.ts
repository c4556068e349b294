// What kind of body a response's Content-Type announces.

/** One JSON document (`application/json`, `application/problem+json`), not a stream of them (ndjson). */
export function isJsonDocument(contentType: string): boolean {
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** A stream of server-sent events (`text/event-stream`). */
export function isEventStream(contentType: string): boolean {
  return contentType.startsWith('text/event-stream');
}
