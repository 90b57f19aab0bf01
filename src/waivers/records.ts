import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Waivers live in GitHub, not in a database: each accepted waiver (and each revocation) is a
 * machine-readable record inside the app's own reply comment on the pull request. Restarts and replicas
 * lose nothing, and the pull request's conversation shows the history. Only comments written by the app
 * itself count — anyone can type the same HTML comment into their own comment, and it is ignored.
 *
 * That is not enough on its own: the app's comments quote text (a reason, a command) and GitHub lists
 * them as the app's. So every record also carries an HMAC with a key only the server holds, over the
 * record and what it is bound to — the repository, the pull request and the comment that asked for it.
 * A record that fails verification, or that names another repository or pull request, is ignored.
 */

/** Where a record belongs: it counts only in the ledger of this pull request of this repository. */
export interface RecordBinding {
  /** `owner/repo`, lower case (GitHub names are case-insensitive). */
  repository: string;
  pullNumber: number;
  /** The id of the comment whose command produced the record. */
  commentId: number;
}

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
  /** Set on records read back from a comment (and written by {@link renderRecord}). */
  binding?: RecordBinding;
}

export interface RevocationRecord {
  type: 'revocation';
  waiverId: string;
  actor: string;
  actorId: number;
  createdAt: string;
  binding?: RecordBinding;
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

/** What ids and logins in a record may look like: they are shown in code spans and mentions unescaped. */
const WAIVER_ID = /^w-[0-9a-f]{8,32}$/;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

const RECORD_PATTERN = /<!-- trustgate:record (\{.*?\}) -->/g;

/** The server's key for record MACs (32 bytes); see {@link recordKeyFrom}. */
export type RecordKey = Buffer;

/**
 * The record key, derived from a secret only the server holds: `TRUSTGATE_RECORD_KEY` when set (set it
 * to keep waivers valid across a rotation of the others), else the webhook secret, else the app's
 * private key. Undefined when none is configured: then no record verifies and no waiver can be made.
 */
export function recordKeyFrom(env: Record<string, string | undefined> = process.env): RecordKey | undefined {
  let secret = env['TRUSTGATE_RECORD_KEY'] || env['WEBHOOK_SECRET'] || env['PRIVATE_KEY'];
  if (!secret && env['PRIVATE_KEY_PATH']) {
    try {
      secret = readFileSync(env['PRIVATE_KEY_PATH'], 'utf8');
    } catch {
      secret = undefined;
    }
  }
  if (!secret) return undefined;
  return createHmac('sha256', 'trustgate waiver records v1').update(secret).digest();
}

/** The bytes a MAC covers: the record's fields in a fixed order, its binding included. */
function macInput(record: TrustgateRecord, binding: RecordBinding): string {
  const { binding: _binding, ...fields } = record as TrustgateRecord & { mac?: string };
  delete (fields as { mac?: string }).mac;
  return `trustgate-record-v1\n${canonicalJson({ ...fields, binding })}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function recordMac(record: TrustgateRecord, binding: RecordBinding, key: RecordKey): string {
  return createHmac('sha256', key).update(macInput(record, binding)).digest('hex');
}

/** A value only the server can compute for this comment: the deterministic part of ids and replay checks. */
export function bindingTag(binding: RecordBinding, what: string, key: RecordKey): string {
  return createHmac('sha256', key).update(`trustgate-tag-v1\n${canonicalJson(binding)}\n${what}`).digest('hex');
}

/** The HTML comment that carries a record in a reply, bound and signed; invisible when rendered. */
export function renderRecord(record: TrustgateRecord, binding: RecordBinding, key: RecordKey): string {
  const { binding: _ignored, ...fields } = record;
  const signed = { ...fields, binding, mac: recordMac(record, binding, key) };
  // `--` cannot appear inside an HTML comment; \u002d keeps the JSON identical once parsed. `<` and `>`
  // are escaped too, so no text inside a record (a reason) can open or close a comment of its own.
  return `<!-- trustgate:record ${JSON.stringify(signed).replace(/-/g, '\\u002d').replace(/</g, '\\u003c').replace(/>/g, '\\u003e')} -->`;
}

/** Does the record carry a valid MAC for `binding` under `key`? Constant-time comparison. */
export function verifyRecord(record: TrustgateRecord & { mac?: string }, key: RecordKey): boolean {
  if (record.binding === undefined || typeof record.mac !== 'string' || !/^[0-9a-f]{64}$/.test(record.mac)) return false;
  const expected = Buffer.from(recordMac(record, record.binding, key), 'hex');
  return timingSafeEqual(expected, Buffer.from(record.mac, 'hex'));
}

/** `owner/repo` as bindings hold it. */
export function repositoryName(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
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

/** Records in one comment body, malformed ones skipped, with their binding. Checks neither who wrote it nor the MAC. */
export function parseRecords(body: string): TrustgateRecord[] {
  return parseSigned(body).map(({ record }) => record);
}

function parseSigned(body: string): { record: TrustgateRecord; mac: string | undefined }[] {
  const records: { record: TrustgateRecord; mac: string | undefined }[] = [];
  for (const match of body.matchAll(RECORD_PATTERN)) {
    let value: unknown;
    try {
      value = JSON.parse(match[1]!);
    } catch {
      continue;
    }
    const record = asRecord(value);
    if (record === undefined) continue;
    const mac = (value as { mac?: unknown }).mac;
    records.push({ record, mac: typeof mac === 'string' ? mac : undefined });
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
  /** Records in the app's own comments that fail verification or belong elsewhere; ignored, counted for the logs. */
  ignoredInvalidRecords: number;
  /** Ids of the comments whose commands already produced a record here: their commands are not run again. */
  handledComments: Set<number>;
}

/** What a ledger belongs to and the key its records must verify under (undefined: none verifies). */
export interface LedgerScope {
  repository: string;
  pullNumber: number;
  key: RecordKey | undefined;
}

/**
 * Replays the app's records in the pull request's comments (in the order GitHub lists them). A record
 * counts only when the app wrote the comment, its MAC verifies under the server's key, and it is bound
 * to this repository and pull request. A withdrawn waiver id stays withdrawn: a later record with the
 * same id (a replayed command) does not bring it back.
 */
export function readLedger(comments: readonly CommentLike[], app: AppIdentity, scope: LedgerScope): WaiverLedger {
  const waivers = new Map<string, WaiverRecord>();
  const revoked: WaiverRecord[] = [];
  const revokedIds = new Set<string>();
  const handledComments = new Set<number>();
  let ignoredForeignRecords = 0;
  let ignoredInvalidRecords = 0;
  for (const comment of comments) {
    const records = parseSigned(comment.body ?? '');
    if (records.length === 0) continue;
    if (!isAppComment(comment, app)) {
      ignoredForeignRecords += records.length;
      continue;
    }
    for (const { record, mac } of records) {
      const binding = record.binding;
      const valid =
        scope.key !== undefined &&
        binding !== undefined &&
        binding.repository === scope.repository &&
        binding.pullNumber === scope.pullNumber &&
        verifyRecord({ ...record, ...(mac !== undefined ? { mac } : {}) }, scope.key);
      if (!valid) {
        ignoredInvalidRecords++;
        continue;
      }
      handledComments.add(binding.commentId);
      if (record.type === 'waiver') {
        if (!revokedIds.has(record.id) && !waivers.has(record.id)) waivers.set(record.id, record);
      } else {
        revokedIds.add(record.waiverId);
        const waiver = waivers.get(record.waiverId);
        if (waiver !== undefined) {
          waivers.delete(record.waiverId);
          revoked.push(waiver);
        }
      }
    }
  }
  return { waivers: [...waivers.values()], revoked, ignoredForeignRecords, ignoredInvalidRecords, handledComments };
}

function asRecord(value: unknown): TrustgateRecord | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const text = (key: string) => typeof v[key] === 'string';
  if (v.type === 'revocation' && text('waiverId') && text('actor') && typeof v.actorId === 'number' && text('createdAt')) {
    const revocation: RevocationRecord = { type: 'revocation', waiverId: v.waiverId as string, actor: v.actor as string, actorId: v.actorId as number, createdAt: v.createdAt as string };
    const binding = asBinding(v.binding);
    if (binding !== undefined) revocation.binding = binding;
    return revocation;
  }
  if (v.type !== 'waiver' || !text('id') || !WAIVER_ID.test(v.id as string) || !text('reason') || !text('actor') || !LOGIN.test(v.actor as string) || typeof v.actorId !== 'number' || !text('createdAt')) return undefined;
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
  const binding = asBinding(v.binding);
  if (binding !== undefined) record.binding = binding;
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

function asBinding(value: unknown): RecordBinding | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.repository !== 'string' || !Number.isSafeInteger(v.pullNumber) || !Number.isSafeInteger(v.commentId)) return undefined;
  return { repository: v.repository, pullNumber: v.pullNumber as number, commentId: v.commentId as number };
}
