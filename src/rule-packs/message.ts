import { PLACEHOLDERS, type Placeholder } from './format.js';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The placeholders a message uses that do not exist; empty when the message is fine. */
export function unknownPlaceholders(message: string): string[] {
  const unknown: string[] = [];
  for (const match of message.matchAll(PLACEHOLDER)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(match[1]!)) unknown.push(match[1]!);
  }
  return unknown;
}

/**
 * Fills `{{value}}`, `{{resource}}`, … with plain text. Values come from the scanned file, so they are
 * shortened and never re-expanded: a value that itself contains `{{…}}` is inserted as it is.
 */
export function renderMessage(message: string, values: Partial<Record<Placeholder, string>>): string {
  return message.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name as Placeholder];
    return value === undefined ? whole : shorten(value);
  });
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 200 ? `${oneLine.slice(0, 197)}...` : oneLine;
}
