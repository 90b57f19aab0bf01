import type { ScalarValue } from './nodes.js';

/** Longer strings are rarely repeated, and a substring of 13 characters or more already shares the text. */
const MAX_INTERNED_LENGTH = 48;

/**
 * One string object per distinct short scalar, for the readers: keys (`Type`, `Properties`, `Effect`) and
 * values such as `Allow` repeat thousands of times in a large template, and each copy would otherwise be
 * kept. One pool per document.
 */
export class StringPool {
  private readonly strings = new Map<string, string>();

  intern<T extends ScalarValue>(value: T): T {
    if (typeof value !== 'string' || value.length > MAX_INTERNED_LENGTH) return value;
    const known = this.strings.get(value);
    if (known !== undefined) return known as T;
    this.strings.set(value, value);
    return value;
  }
}
