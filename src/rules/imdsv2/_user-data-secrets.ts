import type { ScalarNode, SourceNode } from '../../parse/nodes.js';

/** A secret found in a literal part of UserData, located in the file where possible. */
export interface UserDataSecret {
  kind: 'access-key-id' | 'secret-access-key' | 'private-key' | 'password';
  /** The secret's own span when it could be found in the file text, else the literal that holds it. */
  node: SourceNode;
  /** A masked rendering for messages: never the secret itself. */
  masked: string;
  /** The assignment's name for passwords (`DB_PASSWORD`). */
  name?: string;
}

const ACCESS_KEY_ID = /\b((?:AKIA|ASIA)[A-Z0-9]{16})\b/g;
const SECRET_ACCESS_KEY = /\b(aws_secret_access_key|aws_secret_key|secret_access_key|secretaccesskey)["']?[ \t]*[=:][ \t]*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi;
const PRIVATE_KEY = /-----BEGIN ((?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----/g;
/** `NAME=value` / `name: value` where the name says password; the separator stays on one line. */
const PASSWORD = /(?<![A-Za-z0-9_])([A-Za-z0-9_]*(?:password|passwd|passphrase|pwd|client_secret|api_key|apikey|secret_key)[A-Za-z0-9_]*)["']?[ \t]*[=:][ \t]*(["']?)([^\s"'`;&|)]+)\2/gi;

/**
 * Values that are not secrets but references to one: shell or Fn::Sub variables (`$DB_PASS`,
 * `${DbPassword}`), command substitution, dynamic references, templating placeholders, and masks.
 */
function isPlaceholder(value: string): boolean {
  if (/^(\$|\{\{|%|<|@|\\)/.test(value)) return true;
  if (/^[x*.#-]+$/i.test(value) || /^(null|none|true|false|undefined|empty)$/i.test(value)) return true;
  return /example|placeholder|your[_-]?password|redacted/i.test(value);
}

function mask(secret: string): string {
  return secret.length <= 4 ? '****' : `${secret.slice(0, 4)}…`;
}

/**
 * Secrets in one literal string of UserData (`text` is the scalar's value, `literal` its node, `source`
 * the whole file text, used to point at the secret's line inside a block scalar).
 */
export function findSecrets(text: string, literal: ScalarNode, source: string): UserDataSecret[] {
  const found: UserDataSecret[] = [];
  const at = (match: string, index: number): SourceNode => locate(text, match, index, literal, source);
  for (const match of text.matchAll(ACCESS_KEY_ID)) {
    if (/EXAMPLE/.test(match[1]!)) continue; // AWS's documented sample key id
    found.push({ kind: 'access-key-id', node: at(match[1]!, match.index + match[0].indexOf(match[1]!)), masked: mask(match[1]!) });
  }
  for (const match of text.matchAll(SECRET_ACCESS_KEY)) {
    if (/EXAMPLE/i.test(match[2]!)) continue;
    found.push({ kind: 'secret-access-key', node: at(match[0], match.index), masked: `${match[1]}=${mask(match[2]!)}` });
  }
  for (const match of text.matchAll(PRIVATE_KEY)) {
    found.push({ kind: 'private-key', node: at(match[0], match.index), masked: match[0] });
  }
  for (const match of text.matchAll(PASSWORD)) {
    const [whole, name, , value] = match as unknown as [string, string, string, string];
    if (isPlaceholder(value) || value.length < 4) continue;
    if (found.some((secret) => secret.kind === 'secret-access-key' && secret.masked.startsWith(name))) continue;
    found.push({ kind: 'password', node: at(whole, match.index), masked: `${name}=${mask(value)}`, name });
  }
  return found;
}

/**
 * The span of `match` (the `index`-th character of the literal's value) in the file. Block scalars
 * strip indentation and JSON strings escape characters, so the value's offsets are not the file's;
 * the match itself is one line without escapes in practice, so it is searched for in the literal's
 * source text, taking the same occurrence. Falls back to the literal when it cannot be found.
 */
function locate(text: string, match: string, index: number, literal: ScalarNode, source: string): SourceNode {
  let occurrence = 0;
  for (let i = text.indexOf(match); i >= 0 && i < index; i = text.indexOf(match, i + 1)) occurrence++;
  const raw = source.slice(literal.start, literal.end);
  let position = raw.indexOf(match);
  for (let n = 0; n < occurrence && position >= 0; n++) position = raw.indexOf(match, position + 1);
  if (position < 0) return literal;
  const node: ScalarNode = { kind: 'scalar', value: match, start: literal.start + position, end: literal.start + position + match.length };
  if (literal.parent !== undefined) node.parent = literal.parent;
  if (literal.key !== undefined) node.key = literal.key;
  return node;
}
