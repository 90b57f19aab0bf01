import type { Named, Vocabulary } from '../model/vocabulary.js';
import { parseWording, PLACEHOLDER, renderWordingPlaceholder } from '../model/wording.js';
import { PLACEHOLDERS, type Placeholder } from './format.js';


/**
 * The placeholders a message uses that do not exist; empty when the message is fine. Wording placeholders
 * (`{{field:HttpTokens}}`, src/model/wording.ts) exist: their form is checked by `wordingErrors`.
 */
export function unknownPlaceholders(message: string): string[] {
  const unknown: string[] = [];
  for (const match of message.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!(PLACEHOLDERS as readonly string[]).includes(name) && parseWording(name) === undefined) unknown.push(name);
  }
  return unknown;
}

/** The document's words a message is rendered in, and the resource it is about. */
export interface MessageWords {
  vocabulary: Vocabulary;
  resource: Named | string;
}

/**
 * Fills `{{value}}`, `{{resource}}`, … with plain text, and the wording placeholders with the words of the
 * document. Values come from the scanned file, so they are shortened and never re-expanded: a value that
 * itself contains `{{…}}` is inserted as it is.
 */
export function renderMessage(message: string, values: Partial<Record<Placeholder, string>>, words?: MessageWords): string {
  return message.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name as Placeholder];
    if (value !== undefined) return shorten(value);
    if (words === undefined) return whole;
    return renderWordingPlaceholder(name, words.vocabulary, words.resource) ?? whole;
  });
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 200 ? `${oneLine.slice(0, 197)}...` : oneLine;
}
