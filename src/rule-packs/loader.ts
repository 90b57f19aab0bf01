import { CATEGORIES } from '../findings/finding.js';
import { isSeverity, SEVERITIES, type Severity } from '../findings/severity.js';
import type { DocumentKind } from '../parse/classify.js';
import { getKey, isMap, isScalar, isSeq, type MapNode, type ScalarValue, type SourceNode } from '../parse/nodes.js';
import { SourceFile } from '../parse/source-file.js';
import { parseYaml } from '../parse/yaml.js';
import {
  LIMITS,
  OPERATORS,
  PLACEHOLDERS,
  VALUE_OPERATORS,
  type Assertion,
  type Check,
  type Condition,
  type IfMissing,
  type IfUnknown,
  type Operator,
  type PackRule,
  type RulePackError,
  type ValueAssertion,
} from './format.js';
import { wordingErrors } from '../model/wording.js';
import { ACCOUNT_DEFAULT_SETTINGS } from '../model/instance-metadata.js';
import { unknownPlaceholders } from './message.js';
import { compileUserPattern } from './patterns.js';
import { parseSelector, type CompiledSelector } from './selector.js';

/**
 * Reads rule packs: YAML text in, validated {@link PackRule}s and errors out. Every error names the file,
 * line and column of the offending node; a rule with an error is left out and the others still load,
 * so one typo does not silence a whole pack.
 */

export type IdPrefix = 'pack/' | 'custom/';

export interface LoadOptions {
  /** The only id prefix allowed: `pack/` for the built-in packs in policies/, `custom/` for users'. */
  idPrefix: IdPrefix;
  /** Docs page of each rule; built-in packs use `docs/rules/<id>.md`. */
  docsFor?: (id: string) => string;
}

export interface LoadResult {
  rules: PackRule[];
  errors: RulePackError[];
}

const RULE_KEYS = ['id', 'title', 'category', 'severity', 'why', 'fix', 'message', 'resources', 'documents', 'files', 'if-unknown', 'if-missing', 'checks'];
const CHECK_KEYS = ['select', 'each', 'when', 'resources', 'severity', 'message', 'if-unknown', 'if-missing', ...OPERATORS];
const CONDITION_KEYS = ['select', 'if-missing', ...OPERATORS];
const DOCUMENT_KINDS: readonly DocumentKind[] = ['cloudformation', 'iam-policy'];
const ID_PART = '[a-z0-9]+(?:-[a-z0-9]+)*';
const RESOURCE_TYPE = /^[A-Za-z0-9*?]+(::[A-Za-z0-9*?]+){1,3}$/;
/** A Terraform resource type (`aws_launch_template`) or a glob of them (`aws_iam_*`). */
const TERRAFORM_TYPE = /^[a-z0-9*?]+(_[a-z0-9*?]+)+$|^[a-z0-9?]+\*$/;
/** Categories a rule may use: the product's, or its own under `custom/`. Parse and internal errors are the engine's. */
const RULE_CATEGORIES = CATEGORIES.filter((c) => c !== 'parse-error' && c !== 'internal-error');

/** Parses and validates a rule pack file (`rules: [...]`), a config file (`customRules: [...]`) or a bare list of rules. */
export function loadRulePack(text: string, fileName: string, options: LoadOptions): LoadResult {
  const file = new SourceFile(fileName, text);
  const parsed = parseYaml(text);
  if (!parsed.ok) {
    const at = file.positionAt(parsed.problem.offset);
    return { rules: [], errors: [{ file: fileName, ...at, message: `the file is not valid YAML: ${parsed.problem.message}` }] };
  }
  const root = parsed.root;
  const list = isSeq(root) ? root : (getKey(root, 'rules') ?? getKey(root, 'customRules'));
  if (list === undefined) {
    return { rules: [], errors: [{ file: fileName, ...file.positionAt(root.start), message: 'expected a list of rules under `rules:` (or `customRules:` in .github/trustgate.yml)' }] };
  }
  return loadRuleList(list, file, options);
}

/**
 * Validates a list of rules already parsed into a SourceNode tree (for example the `customRules` node of
 * a configuration file), so errors carry that file's lines.
 */
export function loadRuleList(list: SourceNode, file: SourceFile, options: LoadOptions): LoadResult {
  const errors: RulePackError[] = [];
  const report = (node: SourceNode, message: string) => errors.push({ file: file.path, ...file.positionAt(node.start), message });
  if (!isSeq(list)) {
    report(list, 'expected a list of rules');
    return { rules: [], errors };
  }
  if (list.items.length > LIMITS.maxRulesPerPack) report(list, `more than ${LIMITS.maxRulesPerPack} rules in one file`);
  const rules: PackRule[] = [];
  const ids = new Set<string>();
  for (const item of list.items.slice(0, LIMITS.maxRulesPerPack)) {
    const before = errors.length;
    const rule = readRule(item, file, options, report);
    if (rule !== undefined && ids.has(rule.id)) report(getKey(item, 'id') ?? item, `rule id ${rule.id} is defined twice in this file`);
    if (rule !== undefined && errors.length === before) {
      ids.add(rule.id);
      rules.push(rule);
    }
  }
  return { rules, errors };
}

type Reporter = (node: SourceNode, message: string) => void;

function readRule(node: SourceNode, file: SourceFile, options: LoadOptions, report: Reporter): PackRule | undefined {
  if (!isMap(node)) {
    report(node, 'a rule must be a map with id, title, category, severity, why, fix and checks');
    return undefined;
  }
  checkKeys(node, RULE_KEYS, 'rule', report);
  const idNode = getKey(node, 'id');
  const id = requiredString(node, 'id', report);
  const label = id === undefined ? 'this rule' : `rule ${id}`;
  if (id !== undefined && idNode !== undefined) {
    if (!id.startsWith(options.idPrefix)) {
      report(idNode, `rule id "${id}" must start with "${options.idPrefix}"${options.idPrefix === 'custom/' ? ' (custom rules live under custom/ so they can never shadow a built-in rule)' : ''}`);
    } else if (!new RegExp(`^${ID_PART}(?:/${ID_PART})*$`).test(id.slice(options.idPrefix.length))) {
      report(idNode, `rule id "${id}" must be ${options.idPrefix}<kebab-case-name> (lowercase letters, digits and dashes)`);
    }
  }
  const title = wordedString(node, 'title', report, label);
  const why = wordedString(node, 'why', report, label);
  const fix = wordedString(node, 'fix', report, label);
  const category = requiredString(node, 'category', report, label);
  const categoryNode = getKey(node, 'category');
  if (category !== undefined && categoryNode !== undefined && !(RULE_CATEGORIES as readonly string[]).includes(category) && !new RegExp(`^custom/${ID_PART}$`).test(category)) {
    report(categoryNode, `category "${category}" must be one of ${RULE_CATEGORIES.join(', ')}, or custom/<kebab-case-name>`);
  }
  const severity = readSeverity(node, report, label, true);
  const message = optionalMessage(node, report);
  const ifUnknown = readIfUnknown(node, report);
  const ifMissing = readIfMissing(node, report);

  const resources = optionalStringList(node, 'resources', report, (value, at) => {
    if (!RESOURCE_TYPE.test(value) && !TERRAFORM_TYPE.test(value)) {
      report(at, `"${value}" is not a CloudFormation resource type such as AWS::EC2::LaunchTemplate nor a Terraform one such as aws_launch_template (globs like AWS::EC2::* and aws_iam_* are allowed)`);
    }
  });
  const terraformTypes = resources !== undefined && resources.some((value) => TERRAFORM_TYPE.test(value));
  if (resources !== undefined && terraformTypes && resources.some((value) => RESOURCE_TYPE.test(value))) {
    report(getKey(node, 'resources')!, `${label} lists both CloudFormation and Terraform resource types: their selectors differ ($.Properties.MetadataOptions.HttpTokens, $.metadata_options[0].http_tokens), so write one rule for each`);
  }
  const files = optionalStringList(node, 'files', report);
  const documentsNode = getKey(node, 'documents');
  const documentNames = optionalStringList(node, 'documents', report, (value, at) => {
    if (!(DOCUMENT_KINDS as readonly string[]).includes(value)) report(at, `"${value}" is not a document kind: use ${DOCUMENT_KINDS.join(' or ')}`);
  });
  let documents: DocumentKind[] = (documentNames ?? []).filter((d): d is DocumentKind => (DOCUMENT_KINDS as readonly string[]).includes(d));
  if (resources !== undefined) {
    if (documents.some((d) => d !== 'cloudformation')) report(documentsNode ?? node, `${label} lists resource types, so it reads templates and Terraform modules only`);
    documents = ['cloudformation'];
  } else if (documentNames === undefined) {
    report(node, `${label} needs \`resources\` (CloudFormation or Terraform resource types) or \`documents\` (cloudformation, iam-policy): say what it applies to`);
  }

  const checksNode = getKey(node, 'checks');
  const inline = OPERATORS.some((op) => getKey(node, op) !== undefined) || getKey(node, 'select') !== undefined;
  const checks: Check[] = [];
  const context: CheckDefaults = { label, severity: severity ?? 'medium', message, ifUnknown, ifMissing, scopeIsResource: resources !== undefined, terraformTypes };
  if (inline) {
    report(node, `${label}: put select and the assertion under \`checks:\` (a list), even for one check`);
  } else if (checksNode === undefined) {
    report(node, `${label} has no \`checks\``);
  } else if (!isSeq(checksNode) || checksNode.items.length === 0) {
    report(checksNode, `${label}: \`checks\` must be a non-empty list`);
  } else {
    if (checksNode.items.length > LIMITS.maxChecksPerRule) report(checksNode, `${label} has more than ${LIMITS.maxChecksPerRule} checks`);
    checksNode.items.slice(0, LIMITS.maxChecksPerRule).forEach((item, index) => {
      const check = readCheck(item, index, context, report);
      if (check !== undefined) checks.push(check);
    });
  }
  if (id === undefined || title === undefined || why === undefined || fix === undefined || category === undefined || severity === undefined) return undefined;
  return {
    id,
    title,
    category,
    severity,
    why,
    fix,
    docs: options.docsFor?.(id) ?? 'docs/rule-packs.md',
    documents,
    ...(resources !== undefined ? { resources } : {}),
    ...(files !== undefined ? { files } : {}),
    checks,
    source: { file: file.path, line: file.positionAt(node.start).line },
  };
}

interface CheckDefaults {
  label: string;
  severity: Severity;
  message: string | undefined;
  ifUnknown: IfUnknown | undefined;
  ifMissing: IfMissing | undefined;
  scopeIsResource: boolean;
  /** The rule selects Terraform resource types: a check narrows them with Terraform types too. */
  terraformTypes: boolean;
}

function readCheck(node: SourceNode, index: number, defaults: CheckDefaults, report: Reporter): Check | undefined {
  const label = `${defaults.label}, check ${index + 1}`;
  if (!isMap(node)) {
    report(node, `${label}: a check must be a map with select and one assertion`);
    return undefined;
  }
  checkKeys(node, CHECK_KEYS, 'check', report);
  const condition = readCondition(node, label, defaults.ifMissing, report, 'check');
  const each = readSelector(node, 'each', report);
  const resources = optionalStringList(node, 'resources', report, (value, at) => {
    if (!(defaults.terraformTypes ? TERRAFORM_TYPE : RESOURCE_TYPE).test(value)) report(at, `"${value}" is not a ${defaults.terraformTypes ? 'Terraform' : 'CloudFormation'} resource type, as the rule's are`);
  });
  if (resources !== undefined && !defaults.scopeIsResource) report(getKey(node, 'resources')!, `${label}: \`resources\` on a check narrows the rule's resources, and this rule has none`);
  const severity = readSeverity(node, report, label, false) ?? defaults.severity;
  const message = optionalMessage(node, report) ?? defaults.message;
  if (message === undefined && getKey(node, 'message') === undefined) report(node, `${label} has no \`message\` (set one on the check or on the rule)`);
  const ifUnknown = readIfUnknown(node, report) ?? defaults.ifUnknown;
  if (ifUnknown === undefined) {
    report(node, `${label} does not say what a value unknown until deployment means: add \`if-unknown: fail\`, \`warn\` or \`pass\` to the check or the rule`);
  }
  const when: Condition[] = [];
  const whenNode = getKey(node, 'when');
  if (whenNode !== undefined) {
    if (!isSeq(whenNode) || whenNode.items.length === 0) report(whenNode, `${label}: \`when\` must be a non-empty list of conditions`);
    else {
      if (whenNode.items.length > LIMITS.maxConditionsPerCheck) report(whenNode, `${label}: more than ${LIMITS.maxConditionsPerCheck} conditions`);
      whenNode.items.slice(0, LIMITS.maxConditionsPerCheck).forEach((item, i) => {
        const conditionLabel = `${label}, condition ${i + 1}`;
        if (!isMap(item)) {
          report(item, `${conditionLabel}: a condition must be a map with select and one assertion`);
          return;
        }
        checkKeys(item, CONDITION_KEYS, 'condition', report);
        const parsed = readCondition(item, conditionLabel, undefined, report, 'condition');
        // A condition that cannot be decided counts as holding, so the check runs (fail closed).
        if (parsed !== undefined) when.push({ ...parsed, ifUnknown: 'fail' });
      });
    }
  }
  if (condition === undefined || message === undefined || ifUnknown === undefined) return undefined;
  return {
    ...condition,
    ifUnknown,
    index,
    ...(resources !== undefined ? { resources } : {}),
    ...(each !== undefined ? { each } : {}),
    when,
    severity,
    message,
  };
}

function readCondition(
  node: MapNode,
  label: string,
  defaultIfMissing: IfMissing | undefined,
  report: Reporter,
  kind: 'check' | 'condition',
): Omit<Condition, 'ifUnknown'> | undefined {
  const select = getKey(node, 'select') === undefined ? rootSelector() : readSelector(node, 'select', report);
  const operators = OPERATORS.filter((op) => getKey(node, op) !== undefined);
  if (operators.length !== 1) {
    report(node, `${label}: ${operators.length === 0 ? 'needs' : 'has more than'} one assertion (${OPERATORS.join(', ')})${operators.length > 1 ? `: found ${operators.join(', ')}; write one ${kind} per assertion` : ''}`);
    return undefined;
  }
  const op = operators[0]!;
  const assertion = readAssertion(op, getKey(node, op)!, label, report);
  const ifMissing = readIfMissing(node, report) ?? defaultIfMissing;
  const needsMissing = op !== 'exists' && op !== 'absent';
  if (needsMissing && ifMissing === undefined) {
    report(node, `${label}: \`${op}\` needs \`if-missing: fail\` or \`if-missing: pass\`: say what it means when the selector finds nothing or the value is AWS::NoValue`);
  }
  if (!needsMissing && getKey(node, 'if-missing') !== undefined) report(getKey(node, 'if-missing')!, `${label}: \`${op}\` judges presence itself; remove \`if-missing\``);
  if (select === undefined || assertion === undefined || (needsMissing && ifMissing === undefined)) return undefined;
  return { select, assertion, ...(needsMissing ? { ifMissing } : {}) };
}

function readAssertion(op: Operator, value: SourceNode, label: string, report: Reporter): Assertion | undefined {
  switch (op) {
    case 'exists':
    case 'absent':
      if (!isScalar(value) || value.value !== true) {
        report(value, `${label}: write \`${op}: true\`${op === 'exists' ? ' (for "must not exist" use `absent: true`)' : ''}`);
        return undefined;
      }
      return { op };
    case 'all':
    case 'any':
    case 'none': {
      if (!isMap(value)) {
        report(value, `${label}: \`${op}\` takes a map with one value assertion, e.g. \`${op}: {equals: x}\``);
        return undefined;
      }
      const inner = VALUE_OPERATORS.filter((name) => getKey(value, name) !== undefined);
      const extra = value.entries.filter((e) => !(VALUE_OPERATORS as readonly string[]).includes(String(e.key.value)));
      if (inner.length !== 1 || extra.length > 0) {
        report(value, `${label}: \`${op}\` takes exactly one of ${VALUE_OPERATORS.join(', ')}${extra.length > 0 ? ` (not ${extra.map((e) => String(e.key.value)).join(', ')}; lists do not nest)` : ''}`);
        return undefined;
      }
      const parsed = readAssertion(inner[0]!, getKey(value, inner[0]!)!, label, report);
      return parsed === undefined ? undefined : { op, inner: parsed as ValueAssertion };
    }
    case 'equals': {
      const scalar = scalarOf(value);
      if (scalar === undefined) {
        report(value, `${label}: \`equals\` takes a string, number or boolean`);
        return undefined;
      }
      return { op, expected: scalar };
    }
    case 'in':
    case 'not-in': {
      if (!isSeq(value) || value.items.length === 0 || value.items.length > LIMITS.maxListLength) {
        report(value, `${label}: \`${op}\` takes a non-empty list of at most ${LIMITS.maxListLength} strings, numbers or booleans`);
        return undefined;
      }
      const expected: ScalarValue[] = [];
      for (const item of value.items) {
        const scalar = scalarOf(item);
        if (scalar === undefined) report(item, `${label}: \`${op}\` items must be strings, numbers or booleans`);
        else expected.push(scalar);
      }
      return expected.length === value.items.length ? { op, expected } : undefined;
    }
    case 'matches': {
      if (!isScalar(value) || typeof value.value !== 'string') {
        report(value, `${label}: \`matches\` takes a pattern string`);
        return undefined;
      }
      const compiled = compileUserPattern(value.value);
      if (!compiled.ok) {
        report(value, `${label}: ${compiled.message}`);
        return undefined;
      }
      return { op, pattern: compiled.pattern };
    }
    case 'account-imds-default': {
      const settings = isMap(value) ? value.entries.map((e) => String(e.key.value)) : [];
      const setting = settings.length === 1 ? ACCOUNT_DEFAULT_SETTINGS.find((name) => name === settings[0]) : undefined;
      const inner = isMap(value) ? value.entries[0]?.value : undefined;
      if (setting === undefined || inner === undefined || !isMap(inner)) {
        report(value, `${label}: \`account-imds-default\` takes one setting (${ACCOUNT_DEFAULT_SETTINGS.join(', ')}) with one value assertion, e.g. \`account-imds-default: {HttpPutResponseHopLimit: {less-than: 2}}\``);
        return undefined;
      }
      const ops = VALUE_OPERATORS.filter((name) => getKey(inner, name) !== undefined);
      const extra = inner.entries.filter((e) => !(VALUE_OPERATORS as readonly string[]).includes(String(e.key.value)));
      if (ops.length !== 1 || extra.length > 0) {
        report(inner, `${label}: \`account-imds-default\` takes exactly one of ${VALUE_OPERATORS.join(', ')} for ${setting}`);
        return undefined;
      }
      const parsed = readAssertion(ops[0]!, getKey(inner, ops[0]!)!, label, report);
      return parsed === undefined ? undefined : { op, setting, inner: parsed as ValueAssertion };
    }
    case 'ami-requires-imdsv2':
    case 'launches-without-instance-profile':
    case 'account-default-requires-imdsv2':
      if (!isScalar(value) || typeof value.value !== 'boolean') {
        report(value, `${label}: \`${op}\` takes true or false`);
        return undefined;
      }
      return { op, expected: value.value };
    case 'less-than':
    case 'greater-than':
      if (!isScalar(value) || typeof value.value !== 'number' || !Number.isFinite(value.value)) {
        report(value, `${label}: \`${op}\` takes a number`);
        return undefined;
      }
      return { op, limit: value.value };
  }
}

function scalarOf(node: SourceNode): Exclude<ScalarValue, null> | undefined {
  return isScalar(node) && node.value !== null ? node.value : undefined;
}

function rootSelector(): CompiledSelector {
  const parsed = parseSelector('$');
  if (!parsed.ok) throw new Error('the root selector must parse');
  return parsed.selector;
}

function readSelector(node: MapNode, key: string, report: Reporter): CompiledSelector | undefined {
  const value = getKey(node, key);
  if (value === undefined) return undefined;
  if (!isScalar(value) || typeof value.value !== 'string') {
    report(value, `\`${key}\` takes a JSONPath string such as $.Properties.MetadataOptions.HttpTokens`);
    return undefined;
  }
  const parsed = parseSelector(value.value);
  if (!parsed.ok) {
    report(value, parsed.message);
    return undefined;
  }
  return parsed.selector;
}

function checkKeys(node: MapNode, allowed: readonly string[], what: string, report: Reporter): void {
  const seen = new Set<string>();
  for (const entry of node.entries) {
    const key = String(entry.key.value);
    if (seen.has(key)) report(entry.key, `\`${key}\` appears twice in this ${what}`);
    seen.add(key);
    if (allowed.includes(key)) continue;
    const suggestion = closest(key, allowed);
    report(entry.key, `unknown key \`${key}\` in a ${what}${suggestion !== undefined ? ` (did you mean \`${suggestion}\`?)` : ''}; allowed: ${allowed.join(', ')}`);
  }
}

function requiredString(node: MapNode, key: string, report: Reporter, label = 'this rule'): string | undefined {
  const value = getKey(node, key);
  if (value === undefined) {
    report(node, `${label} has no \`${key}\``);
    return undefined;
  }
  if (!isScalar(value) || typeof value.value !== 'string' || value.value.trim() === '') {
    report(value, `\`${key}\` must be a non-empty string`);
    return undefined;
  }
  return value.value.trim();
}

/**
 * A required string that may use wording placeholders (src/model/wording.ts): one that is not well formed is a
 * load error. Other `{{…}}` stay as written, as they always did outside messages.
 */
function wordedString(node: MapNode, key: string, report: Reporter, label: string): string | undefined {
  const text = requiredString(node, key, report, label);
  if (text === undefined) return undefined;
  const errors = wordingErrors(text);
  if (errors.length === 0) return text;
  report(getKey(node, key)!, `\`${key}\`: ${errors.join('; ')}`);
  return undefined;
}

function optionalMessage(node: MapNode, report: Reporter): string | undefined {
  const value = getKey(node, 'message');
  if (value === undefined) return undefined;
  if (!isScalar(value) || typeof value.value !== 'string' || value.value.trim() === '' || value.value.length > LIMITS.maxMessageLength) {
    report(value, `\`message\` must be a non-empty string of at most ${LIMITS.maxMessageLength} characters`);
    return undefined;
  }
  const unknown = unknownPlaceholders(value.value);
  if (unknown.length > 0) {
    report(
      value,
      `unknown placeholder ${unknown.map((name) => `{{${name}}}`).join(', ')} in the message; available: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')} and the wording placeholders ({{field:…}}, {{property:…}}, {{setting:…=…}}, {{document}}, {{deployer}}, {{conditional}}, {{noValue}}, {{cloudformation: … | terraform: …}})`,
    );
    return undefined;
  }
  const errors = wordingErrors(value.value);
  if (errors.length > 0) {
    report(value, `\`message\`: ${errors.join('; ')}`);
    return undefined;
  }
  return value.value.trim();
}

function readSeverity(node: MapNode, report: Reporter, label: string, required: boolean): Severity | undefined {
  const value = getKey(node, 'severity');
  if (value === undefined) {
    if (required) report(node, `${label} has no \`severity\``);
    return undefined;
  }
  const text = isScalar(value) ? value.value : undefined;
  if (!isSeverity(text)) {
    report(value, `severity must be one of ${SEVERITIES.join(', ')}`);
    return undefined;
  }
  return text;
}

function readIfUnknown(node: MapNode, report: Reporter): IfUnknown | undefined {
  return readEnum(node, 'if-unknown', ['fail', 'warn', 'pass'] as const, report);
}

function readIfMissing(node: MapNode, report: Reporter): IfMissing | undefined {
  return readEnum(node, 'if-missing', ['fail', 'pass'] as const, report);
}

function readEnum<T extends string>(node: MapNode, key: string, allowed: readonly T[], report: Reporter): T | undefined {
  const value = getKey(node, key);
  if (value === undefined) return undefined;
  const text = isScalar(value) ? value.value : undefined;
  if (typeof text !== 'string' || !(allowed as readonly string[]).includes(text)) {
    report(value, `\`${key}\` must be ${allowed.join(', ')}`);
    return undefined;
  }
  return text as T;
}

function optionalStringList(node: MapNode, key: string, report: Reporter, validate?: (value: string, at: SourceNode) => void): string[] | undefined {
  const value = getKey(node, key);
  if (value === undefined) return undefined;
  const items = isSeq(value) ? value.items : [value];
  if (items.length === 0) {
    report(value, `\`${key}\` must not be empty`);
    return undefined;
  }
  const out: string[] = [];
  for (const item of items) {
    if (!isScalar(item) || typeof item.value !== 'string' || item.value === '') report(item, `\`${key}\` takes strings`);
    else {
      validate?.(item.value, item);
      out.push(item.value);
    }
  }
  return out;
}

/** The allowed key within two edits of `key`, for "did you mean" hints. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of allowed) {
    const distance = editDistance(key.toLowerCase(), name);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

