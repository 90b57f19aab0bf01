/**
 * Parses `/trustgate …` commands out of a pull request comment. Only lines a person wrote as a command
 * count: a command must start its line (at most three spaces of indent, as Markdown allows for a
 * paragraph), so quoted text (`> /trustgate …`), fenced and indented code blocks, inline code and HTML
 * comments never trigger anything — quoting someone's command must not repeat it.
 */

import { escapeUntrusted } from '../reporters/untrusted-text.js';

export type Command =
  | { kind: 'rerun'; line: number }
  | { kind: 'help'; line: number }
  | { kind: 'explain'; line: number; ruleId: string }
  | { kind: 'unwaive'; line: number; waiverId: string }
  | { kind: 'waive'; line: number; target: WaiveTarget; file?: string; reason: string; expires?: string }
  /** `/trustgate` followed by something that is not a command: answered with the help text. */
  | { kind: 'unknown'; line: number; text: string }
  /** A known command with bad arguments: answered with the problem and the usage. `problem` is Markdown with the user's text escaped; `command` is raw. */
  | { kind: 'invalid'; line: number; command: string; problem: string };

/** What a waiver names: one finding (by its id, a prefix of its fingerprint) or every finding of a rule. */
export type WaiveTarget = { kind: 'finding'; findingId: string } | { kind: 'rule'; ruleId: string };

export const COMMAND_PREFIX = '/trustgate';

/** Finding ids are the first 12 hex digits of the fingerprint; a longer prefix (or all 64) also works. */
const FINDING_ID = /^[0-9a-f]{12,64}$/;
const RULE_ID = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/;
const WAIVER_ID = /^w-[0-9a-f]{8,32}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Every command in a comment body, in order. */
export function parseCommands(body: string): Command[] {
  const commands: Command[] = [];
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  let fence: { char: string; length: number } | undefined;
  let inHtmlComment = false;
  lines.forEach((text, index) => {
    const line = index + 1;
    if (fence !== undefined) {
      const closing = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(text);
      if (closing !== null && closing[1]![0] === fence.char && closing[1]!.length >= fence.length) fence = undefined;
      return;
    }
    if (inHtmlComment) {
      if (text.includes('-->')) inHtmlComment = false;
      return;
    }
    const opening = /^ {0,3}(`{3,}|~{3,})/.exec(text);
    if (opening !== null) {
      fence = { char: opening[1]![0]!, length: opening[1]!.length };
      return;
    }
    if (/^ {0,3}<!--/.test(text) && !text.includes('-->')) {
      inHtmlComment = true;
      return;
    }
    const match = /^ {0,3}\/trustgate(?:\s+(.*))?$/.exec(text.trimEnd());
    if (match === null) return;
    commands.push(parseCommandLine(match[1] ?? '', line));
  });
  return commands;
}

function parseCommandLine(rest: string, line: number): Command {
  const tokenised = tokenise(rest);
  if (!tokenised.ok) return { kind: 'invalid', line, command: rest.split(/\s+/)[0] ?? '', problem: escapeUntrusted(tokenised.problem, 80) };
  const [name, ...args] = tokenised.tokens;
  switch (name?.toLowerCase()) {
    case undefined:
    case 'help':
      return { kind: 'help', line };
    case 'rerun':
    case 'retry':
      return { kind: 'rerun', line };
    case 'explain': {
      const ruleId = args[0];
      if (ruleId === undefined || args.length > 1) return { kind: 'invalid', line, command: 'explain', problem: 'usage: `/trustgate explain <rule-id>`' };
      return { kind: 'explain', line, ruleId };
    }
    case 'unwaive': {
      const waiverId = args[0];
      if (waiverId === undefined || args.length > 1 || !WAIVER_ID.test(waiverId)) {
        return { kind: 'invalid', line, command: 'unwaive', problem: 'usage: `/trustgate unwaive <waiver-id>` (waiver ids look like `w-1a2b3c4d`, listed in the check run summary)' };
      }
      return { kind: 'unwaive', line, waiverId };
    }
    case 'waive':
      return parseWaive(args, line);
    default:
      return { kind: 'unknown', line, text: `${COMMAND_PREFIX} ${rest}`.trim() };
  }
}

export const WAIVE_USAGE = '`/trustgate waive <finding-id or rule-id> [--file PATH] --reason "why" [--expires YYYY-MM-DD]`';

function parseWaive(args: string[], line: number): Command {
  const invalid = (problem: string): Command => ({ kind: 'invalid', line, command: 'waive', problem: `${problem}; usage: ${WAIVE_USAGE}` });
  const options: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = (equals < 0 ? arg.slice(2) : arg.slice(2, equals)).toLowerCase();
    if (name !== 'file' && name !== 'reason' && name !== 'expires') return invalid(`unknown option --${escapeUntrusted(name, 40)}`);
    if (options[name] !== undefined) return invalid(`--${name} is given twice`);
    const value = equals < 0 ? args[++i] : arg.slice(equals + 1);
    if (value === undefined || value.startsWith('--')) return invalid(`--${name} needs a value`);
    options[name] = value;
  }
  if (positional.length !== 1) return invalid(positional.length === 0 ? 'say which finding or rule to waive' : `one finding or rule at a time (got ${escapeUntrusted(positional.join(' '), 80)}); quote the reason`);
  const subject = positional[0]!;
  let target: WaiveTarget;
  if (FINDING_ID.test(subject)) target = { kind: 'finding', findingId: subject };
  else if (RULE_ID.test(subject)) target = { kind: 'rule', ruleId: subject };
  else return invalid(`“${escapeUntrusted(subject, 80)}” is neither a finding id (12 hex digits, shown in the check run) nor a rule id`);
  const reason = options.reason?.trim();
  if (reason === undefined || reason === '') return invalid('a waiver needs --reason "why this finding is acceptable"');
  if (options.expires !== undefined && !DATE.test(options.expires)) return invalid(`--expires takes a date YYYY-MM-DD (got “${escapeUntrusted(options.expires, 40)}”)`);
  if (options.file !== undefined && target.kind === 'finding') return invalid('--file limits a rule waiver to one file; a finding id already names one finding');
  const command: Command = { kind: 'waive', line, target, reason };
  if (options.file !== undefined) command.file = options.file.replace(/^\.\//, '');
  if (options.expires !== undefined) command.expires = options.expires;
  return command;
}

const QUOTES: Record<string, string> = { '"': '"', "'": "'", '\u201c': '\u201d', '\u2018': '\u2019' };

/** Splits on white space, keeping quoted runs ("…", '…', and the curly quotes phones insert) together. */
function tokenise(text: string): { ok: true; tokens: string[] } | { ok: false; problem: string } {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const closing = QUOTES[char];
    if (closing !== undefined) {
      const end = text.indexOf(closing, i + 1);
      if (end < 0) return { ok: false, problem: `unclosed quote ${char}` };
      current += text.slice(i + 1, end);
      inToken = true;
      i = end;
    } else if (/\s/.test(char)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += char;
      inToken = true;
    }
  }
  if (inToken) tokens.push(current);
  return { ok: true, tokens };
}
