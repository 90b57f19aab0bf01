import { minimatch } from 'minimatch';
import type { DocumentModel } from '../model/document-model.js';
import type { Severity } from '../findings/severity.js';
import { intrinsicOf } from '../model/intrinsics.js';
import type { Resource } from '../model/template.js';
import { getKey, isMap, isSeq, pathSegments, type SourceNode } from '../parse/nodes.js';
import { originOf, setOrigin } from '../parse/node-origin.js';
import type { Report } from '../rules/types.js';
import { evaluateAssertion, type Outcome } from './assertions.js';
import { LIMITS, type Assertion, type Check, type Condition, type PackRule } from './format.js';
import { CLOUDFORMATION_VOCABULARY, type Vocabulary } from '../model/vocabulary.js';
import { renderWording } from '../model/wording.js';
import { renderMessage } from './message.js';
import { selectNodes, subtreeSize, type CompiledSelector, type Selection } from './selector.js';

/** Knobs for evaluation (tests set small limits to exercise them). */
export interface EvaluationOptions {
  /** Work one rule may do on one file, in node visits (default: {@link LIMITS.workPerNode} per node of the file, at least {@link LIMITS.minWork}). */
  workBudget?: number;
  /** Nodes one selector may select in one scope (default {@link LIMITS.maxSelected}). */
  maxSelected?: number;
}

/** The work a rule has left on the current file. */
class WorkMeter {
  private spent = 0;

  constructor(readonly limit: number) {}

  /** Pays for `units` of work, or answers false (and pays nothing) when the budget cannot. */
  readonly charge = (units: number): boolean => {
    if (this.spent + units > this.limit) return false;
    this.spent += units;
    return true;
  };
}

/** Where a rule looks: one resource (its map is `$`) or the whole document. */
interface Scope {
  node: SourceNode;
  /** The resource: its logical id (a Terraform address) and type (CloudFormation's, or Terraform's for Terraform types). */
  resource?: Pick<Resource, 'logicalId' | 'type'>;
}

class BudgetExceeded extends Error {}

/**
 * Runs one pack rule on one document and reports through `report`, exactly as a code rule does. What a
 * check cannot decide follows its `if-unknown`; what is missing follows its `if-missing` (or is the
 * failure, for `exists`). Past its work budget the rule stops and reports that it stopped.
 */
export function evaluatePackRule(rule: PackRule, model: DocumentModel, report: (report: Report) => void, options: EvaluationOptions = {}): void {
  if (rule.files !== undefined && !rule.files.some((glob) => minimatch(model.file.path, glob, { dot: true }))) return;
  const meter = new WorkMeter(options.workBudget ?? Math.max(LIMITS.minWork, LIMITS.workPerNode * subtreeSize(model.document.root)));
  const run = new RuleRun(rule, model, report, options.maxSelected ?? LIMITS.maxSelected, meter);
  let current: Scope | undefined;
  try {
    for (const scope of scopesOf(rule, model)) {
      current = scope;
      for (const check of rule.checks) {
        if (check.resources !== undefined && scope.resource !== undefined && !matchesType(scope.resource.type, check.resources)) continue;
        run.check(check, scope);
      }
    }
  } catch (error) {
    if (!(error instanceof BudgetExceeded)) throw error;
    const where = current?.resource !== undefined ? `; ${current.resource.logicalId} and the resources after it were not checked` : '';
    report({
      node: anchorOf(current?.node ?? model.document.root),
      message: `Rule ${rule.id} stopped after its work budget on this file (${meter.limit.toLocaleString('en-US')} node visits)${where}, so the file is not known to comply. Simplify the rule's selectors (avoid \`..\` over whole templates) or split the file.`,
      severity: rule.severity,
      element: 'work-budget',
      ...(current?.resource !== undefined ? { resource: current.resource.logicalId } : {}),
    });
  }
}

function scopesOf(rule: PackRule, model: DocumentModel): Scope[] {
  if (rule.resources === undefined) return [{ node: model.document.root }];
  if (rule.resources.some(isTerraformType)) {
    // Terraform types select a module's resources as written: `$` is the evaluated arguments and blocks.
    return (model.document.terraformResources ?? [])
      .filter((r) => matchesType(r.type, rule.resources!))
      .map((r) => ({ node: r.attributes(), resource: { logicalId: r.address, type: r.type } }));
  }
  const template = model.template;
  if (template === undefined) return [];
  return [...template.resources.values()].filter((r) => matchesType(r.type, rule.resources!)).map((resource) => ({ node: resource.node, resource }));
}

/** `aws_launch_template`, `aws_iam_*`: no `::`, so not a CloudFormation type (the loader checks the form). */
function isTerraformType(pattern: string): boolean {
  return !pattern.includes('::');
}

function matchesType(type: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => (/[*?]/.test(pattern) ? minimatch(type, pattern) : pattern === type));
}

interface Candidate {
  node: SourceNode;
  element: string;
  severity: Severity;
  message: string;
  rank: number;
  related?: { node: SourceNode; message: string }[];
}

class RuleRun {
  /** Nodes (and missing paths) already reported by an earlier check: graded checks report once. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly rule: PackRule,
    private readonly model: DocumentModel,
    private readonly sink: (report: Report) => void,
    private readonly maxSelected: number,
    private readonly meter: WorkMeter,
  ) {}

  check(check: Check, scope: Scope): void {
    let subScopes: SourceNode[] = [scope.node];
    if (check.each !== undefined) {
      const selection = this.select(check.each, scope.node, scope);
      if (selection === undefined) return;
      subScopes = selection.nodes;
      if (subScopes.length === 0) {
        const empty = explainEmpty(scope.node, check.each, this.model.vocabulary);
        if (empty.kind === 'blocked') this.emit(check, scope, [this.unknownCandidate(check, scope, empty.node, empty.reason)]);
        return;
      }
    }
    for (const subScope of subScopes) {
      if (!check.when.every((condition) => this.holds(condition, subScope))) continue;
      const selection = this.select(check.select, subScope, scope);
      if (selection === undefined) continue;
      if (selection.nodes.length === 0) {
        this.emit(check, scope, this.whenEmpty(check, subScope, scope));
        continue;
      }
      for (const node of selection.nodes) {
        if (!this.meter.charge(1)) throw new BudgetExceeded();
        const candidates = evaluateAssertion(node, check.assertion, this.model.resolver, this.model).flatMap((outcome) => this.candidateOf(check, scope, outcome));
        this.emit(check, scope, candidates);
      }
    }
  }

  /** A selection, or `undefined` after reporting that it was cut short. */
  private select(selector: CompiledSelector, node: SourceNode, scope: Scope): Selection | undefined {
    const selection = selectNodes(node, selector, this.maxSelected, this.meter.charge);
    if (selection.stopped === 'work') throw new BudgetExceeded();
    if (selection.stopped === 'too-many') {
      this.sink({
        node: anchorOf(node),
        message: `The selector ${selector.source} of rule ${this.rule.id} matched more than ${this.maxSelected} nodes here, so the rule stopped checking ${scope.resource?.logicalId ?? 'this document'}; it is not known to comply. Narrow the selector.`,
        severity: this.rule.severity,
        element: `selection-limit:${selector.source}`,
        ...(scope.resource !== undefined ? { resource: scope.resource.logicalId } : {}),
      });
      return undefined;
    }
    return selection;
  }

  /** A `when` condition holds unless it is known to be false: undecidable counts as holding (fail closed). */
  private holds(condition: Condition, node: SourceNode): boolean {
    const selection = selectNodes(node, condition.select, this.maxSelected, this.meter.charge);
    if (selection.stopped === 'work') throw new BudgetExceeded();
    if (selection.stopped === 'too-many') return true;
    if (selection.nodes.length === 0) {
      if (condition.assertion.op === 'absent') return true;
      if (explainEmpty(node, condition.select, this.model.vocabulary).kind === 'blocked') return true;
      return condition.assertion.op !== 'exists' && condition.ifMissing === 'pass';
    }
    return selection.nodes.every((selected) => {
      const outcomes = evaluateAssertion(selected, condition.assertion, this.model.resolver, this.model);
      return outcomes.some((o) => o.kind === 'pass' || o.kind === 'unknown' || (o.kind === 'missing' && condition.ifMissing === 'pass'));
    });
  }

  private whenEmpty(check: Check, node: SourceNode, scope: Scope): Candidate[] {
    if (check.assertion.op === 'absent') return [];
    const empty = explainEmpty(node, check.select, this.model.vocabulary);
    if (empty.kind === 'blocked') return [this.unknownCandidate(check, scope, empty.node, empty.reason)];
    if (check.assertion.op !== 'exists' && check.ifMissing !== 'fail') return [];
    const path = this.model.vocabulary.path([...pathSegments(empty.node), ...empty.remaining]) + (check.select.isFixed ? '' : ` (${check.select.source})`);
    return [
      {
        node: anchorOf(empty.node),
        element: `missing:${check.select.source}`,
        severity: check.severity,
        message: this.render(check.message, check, scope, { value: 'not set', path, segments: [...pathSegments(empty.node), ...empty.remaining] }),
        rank: 3,
      },
    ];
  }

  private candidateOf(check: Check, scope: Scope, outcome: Outcome): Candidate[] {
    switch (outcome.kind) {
      case 'pass':
        return [];
      case 'unknown':
        return [this.unknownCandidate(check, scope, outcome.node, outcome.reason)];
      case 'missing':
        if (check.ifMissing !== 'fail') return [];
        return [{ node: anchorOf(outcome.node), element: 'value', severity: check.severity, message: this.render(check.message, check, scope, { value: `not set (${this.model.vocabulary.noValue})`, path: this.model.vocabulary.path(pathSegments(outcome.node)), segments: pathSegments(outcome.node) }), rank: 3 }];
      case 'fail': {
        let message = this.render(check.message, check, scope, { value: outcome.value, path: this.model.vocabulary.path(pathSegments(outcome.node)), segments: pathSegments(outcome.node) });
        const related: { node: SourceNode; message: string }[] = [];
        if (outcome.via !== undefined) {
          message += ` (the value comes from ${outcome.via.text})`;
          if (outcome.via.node !== outcome.node) related.push({ node: outcome.via.node, message: `value from ${outcome.via.text}` });
        }
        return [{ node: anchorOf(outcome.node), element: 'value', severity: check.severity, message, rank: 3, ...(related.length > 0 ? { related } : {}) }];
      }
    }
  }

  private unknownCandidate(check: Check, scope: Scope, node: SourceNode, reason: string): Candidate {
    // A check on the resource itself (`select: $`) names the resource, not its path in the document.
    const subject = node === scope.node && scope.resource !== undefined ? scope.resource.logicalId : undefined;
    const path = subject ?? this.model.vocabulary.path(pathSegments(node));
    const where = subject === undefined && scope.resource !== undefined ? ` of ${scope.resource.logicalId}` : '';
    const meaning = check.ifUnknown === 'fail' ? 'a failure' : 'a warning';
    const words = this.model.vocabulary;
    const title = renderWording(this.rule.title, words, scope.resource?.logicalId);
    return {
      node: anchorOf(node),
      element: 'value',
      severity: check.ifUnknown === 'warn' ? 'info' : check.severity,
      message: `${title}: ${path}${where} cannot be checked from the ${words.document} (${reason}); this rule counts a value unknown until deployment as ${meaning}. Make sure the deployed value satisfies it (${describeAssertion(check.assertion)}).`,
      rank: check.ifUnknown === 'fail' ? 2 : 1,
    };
  }

  /** Reports the strongest candidate per node, unless an earlier check already reported there. */
  private emit(check: Check, scope: Scope, candidates: Candidate[]): void {
    const usable = candidates.filter((c) => c.rank > 1 || check.ifUnknown !== 'pass');
    const best = new Map<string, Candidate>();
    for (const candidate of usable) {
      const key = `${candidate.node.start}:${candidate.node.end}:${candidate.element}`;
      const previous = best.get(key);
      if (previous === undefined || candidate.rank > previous.rank) best.set(key, candidate);
    }
    for (const [key, candidate] of best) {
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      this.sink({
        node: candidate.node,
        message: candidate.message,
        severity: candidate.severity,
        element: candidate.element,
        ...(scope.resource !== undefined ? { resource: scope.resource.logicalId } : {}),
        ...(candidate.related !== undefined ? { related: candidate.related } : {}),
      });
    }
  }

  private render(message: string, check: Check, scope: Scope, values: { value: string; path: string; segments: (string | number)[] }): string {
    const key = values.segments.some((segment) => typeof segment === 'string') ? this.model.vocabulary.key(values.segments) : undefined;
    const words = { vocabulary: this.model.vocabulary, resource: scope.resource?.logicalId ?? '' };
    return renderMessage(message, {
      value: values.value,
      path: values.path,
      key: key ?? values.path,
      resource: scope.resource?.logicalId ?? this.model.file.path,
      type: scope.resource !== undefined ? this.model.vocabulary.type(scope.resource) : this.model.document.kind,
      expected: describeAssertion(check.assertion),
      file: this.model.file.path,
      rule: this.rule.id,
    }, words);
  }
}

type EmptyExplanation = { kind: 'missing'; node: SourceNode; remaining: (string | number)[] } | { kind: 'blocked'; node: SourceNode; reason: string };

/**
 * Why a selector found nothing. Walking its fixed prefix (the leading names and indexes) either stops
 * at the deepest node that exists, where "missing" is reported, or at an intrinsic function (Fn::If, a
 * Ref) the selector cannot look into, which makes the answer unknown rather than missing (the reason in
 * the words of the document, `words`).
 */
export function explainEmpty(scope: SourceNode, selector: CompiledSelector, words: Vocabulary = CLOUDFORMATION_VOCABULARY): EmptyExplanation {
  let current = scope;
  const prefix = selector.fixedPrefix;
  for (let i = 0; i <= prefix.length; i++) {
    const fn = intrinsicOf(current);
    if (fn !== undefined && current !== scope) {
      const noValue = fn.name === 'Ref' && fn.argument.kind === 'scalar' && fn.argument.value === 'AWS::NoValue';
      if (noValue) return { kind: 'missing', node: current, remaining: prefix.slice(i) as (string | number)[] };
      return { kind: 'blocked', node: current, reason: words.computed(words.path(pathSegments(current)), fn) };
    }
    if (i === prefix.length) break;
    const segment = prefix[i]!;
    const next = typeof segment === 'number' ? (isSeq(current) ? current.items[segment] : undefined) : isMap(current) ? getKey(current, segment) : undefined;
    if (next === undefined) return { kind: 'missing', node: current, remaining: prefix.slice(i) as (string | number)[] };
    current = next;
  }
  return { kind: 'missing', node: current, remaining: [] };
}

/**
 * Where a finding about a node points: a scalar itself; a map or list (including an intrinsic function such
 * as `!If`, whose YAML range starts after its tag) held under a key points at the key
 * (`MetadataOptions:`), which is where a reader looks. The stand-in keeps the node's parent and key so
 * the finding's JSON path is the node's own.
 */
export function anchorOf(node: SourceNode): SourceNode {
  if (node.kind === 'scalar' || !isMap(node.parent)) return node;
  const entry = node.parent.entries.find((e) => e.value === node);
  if (entry === undefined) return node;
  const anchor: SourceNode = { kind: 'scalar', value: entry.key.value, start: entry.key.start, end: entry.key.end, parent: node.parent, ...(node.key !== undefined ? { key: node.key } : {}) };
  // A key written in another file of a Terraform module (a login profile folded into its user) keeps that file.
  const file = originOf(entry.key);
  if (file !== undefined && file !== originOf(node.parent)) setOrigin(anchor, file);
  return anchor;
}

export function describeAssertion(assertion: Assertion): string {
  switch (assertion.op) {
    case 'exists':
      return 'must be set';
    case 'absent':
      return 'must not be set';
    case 'equals':
      return `must equal ${String(assertion.expected)}`;
    case 'in':
      return `must be one of ${assertion.expected.map(String).join(', ')}`;
    case 'not-in':
      return `must not be any of ${assertion.expected.map(String).join(', ')}`;
    case 'matches':
      return `must match ${assertion.pattern.source}`;
    case 'less-than':
      return `must be less than ${assertion.limit}`;
    case 'greater-than':
      return `must be greater than ${assertion.limit}`;
    case 'ami-requires-imdsv2':
      return assertion.expected ? 'must name an AMI registered with ImdsSupport v2.0' : 'must not name an AMI known to be registered with ImdsSupport v2.0';
    case 'launches-without-instance-profile':
      return assertion.expected ? 'must launch instances without an instance profile' : 'must not be known to launch instances without an instance profile';
    case 'account-default-requires-imdsv2':
      return assertion.expected ? 'must launch without IMDSv1 by the account-level IMDS default' : 'must not be known to launch without IMDSv1 by the account-level IMDS default';
    case 'account-imds-default':
      return `the account-level IMDS default ${describeAssertion(assertion.inner)}`;
    case 'all':
      return `every item ${describeAssertion(assertion.inner)}`;
    case 'any':
      return `at least one item ${describeAssertion(assertion.inner)}`;
    case 'none':
      return `no item may satisfy: ${describeAssertion(assertion.inner).replace(/^must /, '')}`;
  }
}
