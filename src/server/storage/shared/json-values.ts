// Module-store values travel as JSON text on every backend, so each read yields a fresh copy and
// every backend agrees on what survives (a Date becomes its ISO string, `undefined` members vanish).

export function encodeValue(value: unknown): string {
  const json = JSON.stringify(value);
  // JSON.stringify answers undefined (not a string) for undefined, functions and symbols.
  if (typeof json !== 'string') throw new TypeError(`store values must be JSON-serialisable, got ${typeof value}`);
  return json;
}

export function decodeValue<V>(json: string): V {
  return JSON.parse(json) as V;
}
