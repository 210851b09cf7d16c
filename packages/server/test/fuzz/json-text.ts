/** JSON text for hostile inputs: values with raw fragments (deep nesting, `NaN`, duplicate keys) that no JS value can hold. */
import { randomBytes } from 'node:crypto';

/** A fragment written into the JSON text verbatim: it may be invalid JSON, or nested deeper than JSON.stringify can go. */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * Nesting of `depth` levels built as text: JSON.stringify of such a value overflows the stack,
 * which is the very thing the hub must survive on its side.
 */
export function nested(depth: number, shape: 'array' | 'object'): RawJson {
  return shape === 'array'
    ? new RawJson('['.repeat(depth) + ']'.repeat(depth))
    : new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
}

/** An object whose own keys include `__proto__` (as JSON.parse would make them), which a literal cannot express. */
export function withOwnKeys(base: Record<string, unknown>, keys: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...base };
  for (const [key, value] of Object.entries(keys)) {
    Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  }
  return copy;
}

const PLACEHOLDER = `__raw_${randomBytes(6).toString('hex')}_`;

/** Serializes `value` with every RawJson written in place; shallow values only, the raw parts carry the depth. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, inner: unknown) => {
    if (inner instanceof RawJson) {
      raws.push(inner.text);
      return `${PLACEHOLDER}${raws.length - 1}`;
    }
    return inner;
  });
  if (text === undefined) return '';
  if (raws.length === 0) return text;
  return text.replace(new RegExp(`"${PLACEHOLDER}(\\d+)"`, 'g'), (_match, index: string) => raws[Number(index)]!);
}

/** A short, printable excerpt of an input or answer for failure reports (deep and huge inputs are summarized). */
export function excerpt(text: string | Buffer, max = 300): string {
  const asText = typeof text === 'string' ? text : `<${text.length} bytes> ${text.toString('hex').slice(0, 80)}`;
  // Deep nesting and long runs would fill the report: a run of one unit is written once, with its count.
  const squeezed = asText.replace(/([^]{1,6}?)\1{9,}/g, (run, unit: string) => `(${unit})×${run.length / unit.length}`);
  return squeezed.length > max ? `${squeezed.slice(0, max)}… (${asText.length} chars)` : squeezed;
}
