/**
 * Stored data at the render boundary: what the hub sends is read here as `unknown`, so a message,
 * task or room with a field of the wrong shape shows what it can and never throws.
 */

type Fields = Record<string, unknown>;

/** Text to show: strings as they are, finite numbers written out; anything else is no text. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

/** A count, a duration, a priority: finite numbers only. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The items of an array; anything else has none. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The fields of an object; null, arrays and scalars have none. */
export function record(value: unknown): Fields {
  return isFields(value) ? value : {};
}

/** The items of an array that are objects; the other items are left out. */
export function records(value: unknown): Fields[] {
  return list(value).filter(isFields);
}

/** The items of an array that are text, numbers written out; the other items are left out. */
export function texts(value: unknown): string[] {
  return list(value).flatMap((item) => text(item) ?? []);
}

/** The value when it is one of `options`: a status or kind safe to use in a class name or a lookup. */
export function oneOf<T extends string>(value: unknown, options: readonly T[]): T | undefined {
  return options.find((option) => option === value);
}

/**
 * A value a person can read: strings as they are, anything else as indented JSON, and '' when it
 * has no JSON form (or is too deeply nested for the JSON writer's stack).
 */
export function readable(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch {
    return '';
  }
}

/** A date that can be shown: an Invalid Date prints as text, but its `toISOString` throws. */
export function date(value: unknown): Date | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * React keys from a field that may be missing, not text, or repeated: each item gets its field's
 * text and how many items before it had the same, so keys stay unique and stable as items are added.
 */
export function keyed<T>(items: readonly T[], keyOf: (item: T) => unknown): Array<[key: string, item: T]> {
  const seen = new Map<string | undefined, number>();
  return items.map((item) => {
    const base = text(keyOf(item));
    const nth = seen.get(base) ?? 0;
    seen.set(base, nth + 1);
    return [JSON.stringify([base ?? null, nth]), item];
  });
}
