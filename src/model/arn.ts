/**
 * Amazon Resource Names: parsing, and matching an ARN written in a policy (which may hold IAM wildcards
 * `*` and `?`) against the ARN patterns of AWS's service authorization reference
 * (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`).
 */

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  /** Everything after the fifth colon: `role/app`, `function:f:1`, `bucket/key`. */
  resource: string;
}

export type ArnProblem = { kind: 'prefix' } | { kind: 'fields'; found: number };

/** The six fields of an ARN, or why the text is not one (`arn:` prefix missing, fewer than six fields). */
export function parseArn(text: string): { ok: true; arn: Arn } | { ok: false; problem: ArnProblem } {
  if (!/^arn:/i.test(text)) return { ok: false, problem: { kind: 'prefix' } };
  const parts = text.split(':');
  if (parts.length < 6) return { ok: false, problem: { kind: 'fields', found: parts.length } };
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  return { ok: true, arn: { partition, service, region, account, resource: parts.slice(5).join(':') } };
}

/** Partitions AWS has published; a partition written with wildcards is accepted as it is. */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'] as const;

/**
 * Token streams for glob intersection: a literal character, an IAM wildcard (`*` any run, `?` one
 * character), or a placeholder of a reference ARN pattern (any non-empty run). Wildcards and
 * placeholders in the first five fields cannot span a colon (fields are colon-separated); a placeholder
 * that is the whole resource part cannot span a slash either.
 */
type Token =
  | { t: 'char'; c: string }
  | { t: 'star'; colon: boolean }
  | { t: 'one'; colon: boolean }
  | { t: 'slot'; slash: boolean; colon: boolean };

const tokenCache = new Map<string, Token[]>();
/** The cache holds ARNs from scanned files: bounded, so a long-running server does not keep every one. */
const MAX_CACHED_ARNS = 50_000;

function remember(key: string, tokens: Token[]): void {
  if (tokenCache.size >= MAX_CACHED_ARNS) tokenCache.clear();
  tokenCache.set(key, tokens);
}

/*
 * Tokens are values, so one object per distinct token serves every ARN: the cache above keeps the token
 * list of every ARN a scan meets, which for a large template is a token object per character otherwise.
 */
const charTokens = new Map<string, Token>();
function charToken(c: string): Token {
  const lower = c.toLowerCase();
  let token = charTokens.get(lower);
  if (token === undefined) charTokens.set(lower, (token = { t: 'char', c: lower }));
  return token;
}
const STAR: Readonly<Record<'colon' | 'noColon', Token>> = { colon: { t: 'star', colon: true }, noColon: { t: 'star', colon: false } };
const ONE: Readonly<Record<'colon' | 'noColon', Token>> = { colon: { t: 'one', colon: true }, noColon: { t: 'one', colon: false } };
const SLOTS: readonly Token[] = [
  { t: 'slot', slash: false, colon: false },
  { t: 'slot', slash: false, colon: true },
  { t: 'slot', slash: true, colon: false },
  { t: 'slot', slash: true, colon: true },
];

/** Tokens of an ARN as written in a policy: `*` and `?` are wildcards, and so is an unresolved `${…}`. */
function policyTokens(text: string): Token[] {
  const cacheKey = `p\u0000${text}`;
  let tokens = tokenCache.get(cacheKey);
  if (tokens !== undefined) return tokens;
  tokens = [];
  let colons = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const colon = colons >= 5;
    if (c === '$' && text[i + 1] === '{') {
      const close = text.indexOf('}', i);
      if (close > i) {
        tokens.push(STAR[colon ? 'colon' : 'noColon']);
        i = close;
        continue;
      }
    }
    if (c === '*') tokens.push(STAR[colon ? 'colon' : 'noColon']);
    else if (c === '?') tokens.push(ONE[colon ? 'colon' : 'noColon']);
    else {
      if (c === ':') colons++;
      tokens.push(charToken(c));
    }
  }
  tokens = tokens.slice();
  remember(cacheKey, tokens);
  return tokens;
}

/** Tokens of a reference ARN pattern from the service authorization reference. */
function patternTokens(pattern: string): Token[] {
  const cacheKey = `r\u0000${pattern}`;
  let tokens = tokenCache.get(cacheKey);
  if (tokens !== undefined) return tokens;
  const parts = pattern.split(':');
  const loneName = /^\$\{[^}]+\}$/.test(parts.slice(5).join(':'));
  tokens = [];
  let colons = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '$' && pattern[i + 1] === '{') {
      const close = pattern.indexOf('}', i);
      if (close > i) {
        const inResource = colons >= 5;
        tokens.push(SLOTS[(loneName && inResource ? 0 : 2) + (inResource ? 1 : 0)]!);
        i = close;
        continue;
      }
    }
    if (c === ':') colons++;
    tokens.push(charToken(c));
  }
  tokens = tokens.slice();
  remember(cacheKey, tokens);
  return tokens;
}

/**
 * Whether some concrete ARN is matched both by `written` (an ARN from a policy, with wildcards) and by
 * `pattern` (a resource type's ARN pattern from the service authorization reference). Case-insensitive.
 * A dynamic-programming walk over both token lists: linear in the product of their lengths.
 */
export function arnCouldMatchPattern(written: string, pattern: string): boolean {
  const a = policyTokens(written);
  const b = patternTokens(pattern);
  const memo = new Map<number, boolean>();
  const width = b.length + 1;
  const go = (i: number, j: number): boolean => {
    const key = i * width + j;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    memo.set(key, false);
    const x = a[i];
    const y = b[j];
    let result = false;
    if (x === undefined && y === undefined) result = true;
    else if (x?.t === 'star') {
      // The star ends here, or it also produces what the pattern's next token stands for.
      result = go(i + 1, j) || (y !== undefined && (y.t !== 'char' || y.c !== ':' || x.colon) && (y.t !== 'char' || allowed(y.c, x)) && go(i, j + 1));
      if (!result && y?.t === 'slot') result = go(i + 1, j + 1) || go(i + 1, j);
    } else if (y?.t === 'slot') {
      // A slot takes at least one character, then ends or goes on.
      if (x !== undefined && (x.t === 'one' || (x.t === 'char' && allowed(x.c, y)))) result = go(i + 1, j + 1) || go(i + 1, j);
    } else if (x !== undefined && y !== undefined && y.t === 'char') {
      if (x.t === 'char' ? x.c === y.c : y.c !== ':' || x.colon) result = go(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

function allowed(c: string, token: { colon: boolean; slash?: boolean }): boolean {
  if (c === ':') return token.colon;
  if (c === '/') return token.slash !== false;
  return true;
}
