/**
 * Waivers live in GitHub, not in a database: each accepted waiver (and each revocation) is a
 * machine-readable record inside the app's own reply comment on the pull request. Restarts and replicas
 * lose nothing, and the pull request's conversation shows the history. Only comments written by the app
 * itself count — anyone can type the same HTML comment into their own comment, and it is ignored.
 */

/** What a waiver covers. */
export type WaiverScope =
  /** One finding: `fingerprint` is its fingerprint or a prefix of it (the 12-digit finding id at least). */
  | { kind: 'finding'; fingerprint: string; ruleId?: string; file?: string; resource?: string }
  /** Every finding of a rule, optionally only in one file. */
  | { kind: 'rule'; ruleId: string; file?: string };

export interface WaiverRecord {
  type: 'waiver';
  /** `w-` and 8 hex digits; what `/trustgate unwaive` takes. */
  id: string;
  scope: WaiverScope;
  reason: string;
  /** GitHub login of the person who waived, and their numeric id (logins can be renamed). */
  actor: string;
  actorId: number;
  /** When the waiver was accepted (ISO 8601). */
  createdAt: string;
  /** Last day it applies (YYYY-MM-DD, inclusive, UTC); absent for no expiry. */
  expires?: string;
  /** The comment that asked for it, for the audit trail. */
  commandUrl?: string;
}

export interface RevocationRecord {
  type: 'revocation';
  waiverId: string;
  actor: string;
  actorId: number;
  createdAt: string;
}

export type TrustgateRecord = WaiverRecord | RevocationRecord;

/** The app as GitHub knows it: its numeric id and slug (its bot user is `<slug>[bot]`). */
export interface AppIdentity {
  id: number;
  slug: string;
}

/** The fields of an issue comment that decide whether the app wrote it (REST/webhook shape). */
export interface CommentLike {
  id: number;
  body?: string | null;
  user?: { login: string; type?: string } | null;
  performed_via_github_app?: { id: number; slug?: string | null } | null;
  created_at?: string;
}

const RECORD_PATTERN = /<!-- trustgate:record (\{.*?\}) -->/g;

/** The HTML comment that carries a record in a reply; invisible when rendered. */
export function renderRecord(record: TrustgateRecord): string {
  // `--` cannot appear inside an HTML comment; \u002d keeps the JSON identical once parsed.
  return `<!-- trustgate:record ${JSON.stringify(record).replace(/-/g, '\\u002d').replace(/>/g, '\\u003e')} -->`;
}

/**
 * Did the app write this comment? It must be posted by the app's bot user (`<slug>[bot]`, type Bot —
 * a login no person or other app can have), and when GitHub says which app performed it, that app.
 */
export function isAppComment(comment: CommentLike, app: AppIdentity): boolean {
  const user = comment.user;
  if (user === null || user === undefined) return false;
  if (user.type !== 'Bot' || user.login.toLowerCase() !== `${app.slug}[bot]`.toLowerCase()) return false;
  const via = comment.performed_via_github_app;
  return via === null || via === undefined || via.id === app.id;
}

/** Records in one comment body, malformed ones skipped. Does not check who wrote it. */
export function parseRecords(body: string): TrustgateRecord[] {
  const records: TrustgateRecord[] = [];
  for (const match of body.matchAll(RECORD_PATTERN)) {
    let value: unknown;
    try {
      value = JSON.parse(match[1]!);
    } catch {
      continue;
    }
    const record = asRecord(value);
    if (record !== undefined) records.push(record);
  }
  return records;
}

export interface WaiverLedger {
  /** Waivers recorded by the app and not revoked, oldest first. */
  waivers: WaiverRecord[];
  /** Waivers the app recorded and later revoked. */
  revoked: WaiverRecord[];
  /** Comments by anyone else that carry something looking like a record; ignored, counted for the logs. */
  ignoredForeignRecords: number;
}

/** Replays the app's records in the pull request's comments (in the order GitHub lists them). */
export function readLedger(comments: readonly CommentLike[], app: AppIdentity): WaiverLedger {
  const waivers = new Map<string, WaiverRecord>();
  const revoked: WaiverRecord[] = [];
  let ignoredForeignRecords = 0;
  for (const comment of comments) {
    const records = parseRecords(comment.body ?? '');
    if (records.length === 0) continue;
    if (!isAppComment(comment, app)) {
      ignoredForeignRecords += records.length;
      continue;
    }
    for (const record of records) {
      if (record.type === 'waiver') {
        waivers.set(record.id, record);
      } else {
        const waiver = waivers.get(record.waiverId);
        if (waiver !== undefined) {
          waivers.delete(record.waiverId);
          revoked.push(waiver);
        }
      }
    }
  }
  return { waivers: [...waivers.values()], revoked, ignoredForeignRecords };
}

function asRecord(value: unknown): TrustgateRecord | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const text = (key: string) => typeof v[key] === 'string';
  if (v.type === 'revocation' && text('waiverId') && text('actor') && typeof v.actorId === 'number' && text('createdAt')) {
    return { type: 'revocation', waiverId: v.waiverId as string, actor: v.actor as string, actorId: v.actorId as number, createdAt: v.createdAt as string };
  }
  if (v.type !== 'waiver' || !text('id') || !text('reason') || !text('actor') || typeof v.actorId !== 'number' || !text('createdAt')) return undefined;
  const scope = asScope(v.scope);
  if (scope === undefined) return undefined;
  if (v.expires !== undefined && !(typeof v.expires === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v.expires))) return undefined;
  const record: WaiverRecord = {
    type: 'waiver',
    id: v.id as string,
    scope,
    reason: v.reason as string,
    actor: v.actor as string,
    actorId: v.actorId as number,
    createdAt: v.createdAt as string,
  };
  if (typeof v.expires === 'string') record.expires = v.expires;
  if (typeof v.commandUrl === 'string') record.commandUrl = v.commandUrl;
  return record;
}

function asScope(value: unknown): WaiverScope | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const optional = (key: string): string | undefined => (typeof v[key] === 'string' ? (v[key] as string) : undefined);
  if (v.kind === 'finding' && typeof v.fingerprint === 'string' && /^[0-9a-f]{12,64}$/.test(v.fingerprint)) {
    const scope: WaiverScope = { kind: 'finding', fingerprint: v.fingerprint };
    const ruleId = optional('ruleId');
    const file = optional('file');
    const resource = optional('resource');
    if (ruleId !== undefined) scope.ruleId = ruleId;
    if (file !== undefined) scope.file = file;
    if (resource !== undefined) scope.resource = resource;
    return scope;
  }
  if (v.kind === 'rule' && typeof v.ruleId === 'string' && v.ruleId !== '') {
    const scope: WaiverScope = { kind: 'rule', ruleId: v.ruleId };
    const file = optional('file');
    if (file !== undefined) scope.file = file;
    return scope;
  }
  return undefined;
}
