import { describeValue, intrinsicOf, type IntrinsicResolver, type ResolvedValue } from '../model/intrinsics.js';
import { isSeq, scalarString, type ScalarValue, type SourceNode } from '../parse/nodes.js';
import type { AccountDefaultAssertion, Assertion, ValueAssertion } from './format.js';
import type { DocumentModel } from '../model/document-model.js';
import { accountDefaultValues, accountImdsDefault, imageImdsDefault, instanceMetadata, isNoPreference, launchesWithoutProfile, sourceContaining } from '../model/instance-metadata.js';

/**
 * What one assertion says about one selected node, for each value the node may take (Fn::If branches,
 * parameter AllowedValues). `missing` and `unknown` are not decisions: the check turns them into one
 * with its `if-missing` and `if-unknown`.
 */
export type Outcome =
  | { kind: 'pass' }
  | { kind: 'fail'; node: SourceNode; value: string; via?: { text: string; node: SourceNode } }
  | { kind: 'unknown'; node: SourceNode; reason: string }
  | { kind: 'missing'; node: SourceNode };

type Verdict = 'pass' | 'fail' | 'unknown' | 'missing';

export function evaluateAssertion(node: SourceNode, assertion: Assertion, resolver: IntrinsicResolver, model?: DocumentModel): Outcome[] {
  // The resolver drops Fn::If branches that are AWS::NoValue; for presence they are the point.
  const removable = mayBeNoValue(node, resolver, 0);
  switch (assertion.op) {
    case 'exists': {
      const outcomes: Outcome[] = resolver.resolve(node).map((value) =>
        isAbsent(value) ? { kind: 'fail', node, value: 'not set', ...viaOf(value) } : { kind: 'pass' },
      );
      return removable ? [{ kind: 'fail', node, value: 'not set (AWS::NoValue)' }, ...outcomes] : outcomes;
    }
    case 'ami-requires-imdsv2': {
      if (resolver.resolve(node).every(isAbsent)) return [{ kind: 'missing', node }];
      const template = model?.template;
      const image = template === undefined ? undefined : imageImdsDefault(template, resolver, node);
      // The account's regional default comes before the AMI's: one that allows IMDSv1, or may, overrides it.
      const overridden = image !== undefined && accountImdsDefault(model!, sourceContaining(model!, node)).kind === 'open';
      const requires = image !== undefined && !overridden;
      if (requires === assertion.expected) return [{ kind: 'pass' }];
      const ami = image === undefined ? 'an AMI not known to be registered with ImdsSupport v2.0' : `${image.family.family} (${image.how}), registered with ImdsSupport v2.0`;
      return [{ kind: 'fail', node, value: overridden ? `${ami}, whose default an account-level IMDS default that allows IMDSv1 (or is not known) overrides` : ami }];
    }
    case 'account-default-requires-imdsv2': {
      // An Image Builder configuration is not known to take the account's default (the model does not apply it there).
      const source = model === undefined ? undefined : sourceContaining(model, node);
      const account = model === undefined || source?.kind === 'image-builder' ? undefined : accountImdsDefault(model, source);
      const found = account?.kind === 'v2' ? account.found : undefined;
      if ((found !== undefined) === assertion.expected) return [{ kind: 'pass' }];
      if (found?.account === undefined) return [{ kind: 'fail', node, value: 'no account-level IMDS default known to require IMDSv2 or disable the metadata endpoint' }];
      const setting = found.account.setting.split(' ') as [string, string];
      const written = `${found.account.resource.vocabulary.field(found.account.resource, setting[0])} ${setting[1]}`;
      return [{ kind: 'fail', node, value: `the account-level IMDS default (${written})`, via: { text: found.account.resource.logicalId, node: found.node } }];
    }
    case 'account-imds-default':
      return model === undefined ? [{ kind: 'missing', node }] : accountDefaultOutcomes(node, assertion, model);
    case 'launches-without-instance-profile': {
      // Judged on a resource's own map ($ of a resource-scoped check): a launch template, launch configuration or instance.
      const source = model === undefined ? undefined : instanceMetadata(model).sources.find((s) => s.resource.node === node);
      const without = source !== undefined && launchesWithoutProfile(model!, source);
      if (without === assertion.expected) return [{ kind: 'pass' }];
      return [{ kind: 'fail', node, value: without ? 'launches instances without an instance profile' : 'may launch instances with an instance profile' }];
    }
    case 'absent': {
      const outcomes: Outcome[] = resolver.resolve(node).map((value) => (isAbsent(value) ? { kind: 'pass' } : { kind: 'fail', node, value: describeValue(value), ...viaOf(value) }));
      // A branch that is AWS::NoValue is absent too: a check still fails on the other branch, a condition holds.
      return removable ? [{ kind: 'pass' }, ...outcomes] : outcomes;
    }
    case 'all':
    case 'any':
    case 'none': {
      const outcomes = evaluateList(node, assertion.op, assertion.inner, resolver);
      return removable ? [...outcomes, { kind: 'missing', node }] : outcomes;
    }
    default: {
      const outcomes = resolver.resolve(node).map((value) => outcomeOf(node, value, valueVerdict(value, assertion)));
      return removable ? [...outcomes, { kind: 'missing', node }] : outcomes;
    }
  }
}

/**
 * `account-imds-default`: each value the account-level IMDS defaults of the document give the setting,
 * judged where the selected node is (the resource that leaves the setting to that default) and naming the
 * defaults resource as where the value comes from. A defaults resource that states no preference gives
 * nothing; with none that does, the setting is missing.
 */
function accountDefaultOutcomes(node: SourceNode, assertion: AccountDefaultAssertion, model: DocumentModel): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const { resource, values } of accountDefaultValues(model, assertion.setting)) {
    const field = resource.vocabulary.field(resource, assertion.setting);
    for (const value of values) {
      if (isNoPreference(value, assertion.setting)) continue;
      const via = { text: `${resource.logicalId}${'via' in value && value.via !== undefined ? ` (through ${value.via})` : ''}`, node: value.node };
      switch (valueVerdict(value, assertion.inner)) {
        case 'pass':
          outcomes.push({ kind: 'pass' });
          break;
        case 'fail':
          outcomes.push({ kind: 'fail', node, value: describeValue(value), via });
          break;
        case 'unknown':
          outcomes.push({ kind: 'unknown', node, reason: `the account-level IMDS default ${resource.logicalId} sets ${field} to a value not known: ${unknownReason(value)}` });
          break;
        case 'missing':
          break;
      }
    }
  }
  return outcomes.length > 0 ? outcomes : [{ kind: 'missing', node }];
}

/** `true` when some branch of the node's Fn::If (that the template does not rule out) is AWS::NoValue. */
function mayBeNoValue(node: SourceNode, resolver: IntrinsicResolver, depth: number): boolean {
  const fn = intrinsicOf(node);
  if (fn === undefined || depth > 16) return false;
  if (fn.name === 'Ref') return scalarString(fn.argument) === 'AWS::NoValue';
  if (fn.name !== 'Fn::If' || !isSeq(fn.argument) || fn.argument.items.length !== 3) return false;
  const [condition, whenTrue, whenFalse] = fn.argument.items as [SourceNode, SourceNode, SourceNode];
  const decided = resolver.evaluateCondition(scalarString(condition) ?? '');
  const branches = decided === true ? [whenTrue] : decided === false ? [whenFalse] : [whenTrue, whenFalse];
  return branches.some((branch) => mayBeNoValue(branch, resolver, depth + 1));
}

function evaluateList(node: SourceNode, op: 'all' | 'any' | 'none', inner: ValueAssertion, resolver: IntrinsicResolver): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const alternative of resolver.resolve(node)) {
    if (isAbsent(alternative)) {
      outcomes.push({ kind: 'missing', node });
      continue;
    }
    if (alternative.kind === 'unknown' || alternative.kind === 'partial') {
      outcomes.push({ kind: 'unknown', node, reason: unknownReason(alternative) });
      continue;
    }
    // The items and, for each, every value it may take.
    const items: { node: SourceNode; value: ResolvedValue }[] = [];
    if (alternative.kind === 'known' && Array.isArray(alternative.value)) {
      const via = alternative.via;
      for (const element of alternative.value) items.push({ node, value: { kind: 'known', value: element, node: alternative.node, ...(via ? { via } : {}) } });
    } else if (alternative.kind === 'structure' && isSeq(alternative.node)) {
      for (const item of resolver.listItems(alternative.node)) for (const value of resolver.resolve(item)) items.push({ node: item, value });
    } else {
      // A lone value where a list is expected counts as a list of one, as CloudFormation and IAM read it.
      items.push({ node, value: alternative });
    }
    const verdicts = items.map((item) => ({ ...item, verdict: valueVerdict(item.value, inner) }));
    if (op === 'any') {
      if (verdicts.some((v) => v.verdict === 'pass')) outcomes.push({ kind: 'pass' });
      else {
        const unknown = verdicts.find((v) => v.verdict === 'unknown');
        if (unknown !== undefined) outcomes.push({ kind: 'unknown', node, reason: unknownReason(unknown.value) });
        else outcomes.push({ kind: 'fail', node, value: items.length === 0 ? 'an empty list' : items.map((i) => describeValue(i.value)).join(', ') });
      }
      continue;
    }
    for (const item of verdicts) {
      // An item that is AWS::NoValue is removed from the list: it neither passes nor fails.
      if (item.verdict === 'missing') continue;
      if (item.verdict === 'unknown') outcomes.push({ kind: 'unknown', node: item.node, reason: unknownReason(item.value) });
      else if ((op === 'all') === (item.verdict === 'fail')) outcomes.push({ kind: 'fail', node: item.node, value: describeValue(item.value), ...viaOf(item.value) });
    }
    if (outcomes.length === 0) outcomes.push({ kind: 'pass' });
  }
  return outcomes;
}

function outcomeOf(node: SourceNode, value: ResolvedValue, verdict: Verdict): Outcome {
  switch (verdict) {
    case 'pass':
      return { kind: 'pass' };
    case 'missing':
      return { kind: 'missing', node };
    case 'unknown':
      return { kind: 'unknown', node, reason: unknownReason(value) };
    case 'fail':
      return { kind: 'fail', node, value: describeValue(value), ...viaOf(value) };
  }
}

/** A value assertion on one resolved value. */
export function valueVerdict(value: ResolvedValue, assertion: ValueAssertion): Verdict {
  switch (value.kind) {
    case 'absent':
      return 'missing';
    case 'unknown':
    case 'partial':
      return 'unknown';
    case 'structure':
      // A map or list where a scalar is expected equals nothing and is in no list.
      return assertion.op === 'not-in' ? 'pass' : 'fail';
    case 'known': {
      if (value.value === null) return 'missing';
      const actual = Array.isArray(value.value) ? value.value.join(',') : value.value;
      return scalarSatisfies(actual, assertion) ? 'pass' : 'fail';
    }
  }
}

export function scalarSatisfies(actual: Exclude<ScalarValue, null>, assertion: ValueAssertion): boolean {
  switch (assertion.op) {
    case 'equals':
      return sameValue(actual, assertion.expected);
    case 'in':
      return assertion.expected.some((expected) => sameValue(actual, expected));
    case 'not-in':
      return !assertion.expected.some((expected) => sameValue(actual, expected));
    case 'matches':
      return assertion.pattern.test(String(actual));
    case 'less-than': {
      const number = numberOf(actual);
      return number !== undefined && number < assertion.limit;
    }
    case 'greater-than': {
      const number = numberOf(actual);
      return number !== undefined && number > assertion.limit;
    }
  }
}

/**
 * Equality as CloudFormation reads values: parameters and many templates write `"true"` and `"2"` as
 * strings, so booleans compare case-insensitively by text and numbers by value.
 */
export function sameValue(actual: Exclude<ScalarValue, null>, expected: ScalarValue): boolean {
  if (expected === null) return false;
  if (typeof expected === 'boolean' || typeof actual === 'boolean') return String(actual).toLowerCase() === String(expected).toLowerCase();
  if (typeof expected === 'number') return numberOf(actual) === expected;
  return String(actual) === expected;
}

function numberOf(value: Exclude<ScalarValue, null>): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function isAbsent(value: ResolvedValue): boolean {
  return value.kind === 'absent' || (value.kind === 'known' && value.value === null);
}

function unknownReason(value: ResolvedValue): string {
  if (value.kind === 'unknown') return value.reason;
  if (value.kind === 'partial') return `${value.text} depends on ${value.refs.map((ref) => ref.name).join(', ')}, known only at deployment`;
  return 'the value could not be evaluated';
}

function viaOf(value: ResolvedValue): { via?: { text: string; node: SourceNode } } {
  return 'via' in value && value.via !== undefined ? { via: { text: value.via, node: value.node } } : {};
}
