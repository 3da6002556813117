// Value conversions, used where an exposed input's type differs from the parameter it feeds.

export const asString = (v: unknown): string | undefined =>
  v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v);
export const asNumber = (v: unknown): number | undefined =>
  v === undefined || v === null || v === '' ? undefined : Number(v);
export const asBoolean = (v: unknown): boolean | undefined =>
  v === undefined || v === null ? undefined : v === true || v === 'true';
export const asArray = (v: unknown): unknown[] | undefined => {
  const value = fromJsonText(v);
  return value === undefined || value === null ? undefined : Array.isArray(value) ? value : [value];
};
export const asObject = (v: unknown): Record<string, unknown> | undefined => {
  const value = fromJsonText(v);
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
};

/** A query parameter standing in for a JSON value (GET routes have no body) is parsed. */
function fromJsonText(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}
