import type { Category } from '../findings/finding.js';
import type { Severity } from '../findings/severity.js';
import type { DocumentKind } from '../parse/classify.js';
import type { ScalarValue } from '../parse/nodes.js';
import type { CompiledSelector } from './selector.js';
import type { UserPattern } from './patterns.js';
import type { AccountDefaultSetting } from '../model/instance-metadata.js';

/**
 * The validated, normalised form of a declarative rule (docs/rule-packs.md describes the YAML). The
 * loader builds it; the evaluator reads it. Nothing in it is executable: selectors are parsed into a
 * closed grammar, patterns are compiled by RE2 (linear time), and assertions are a closed union.
 */

/** What a rule does when a value is not known from the template (a Ref to a resource, an import). */
export type IfUnknown = 'fail' | 'warn' | 'pass';
/** What a value assertion does when the selector finds nothing (or the value is `AWS::NoValue`). */
export type IfMissing = 'fail' | 'pass';

/** Assertions on one scalar value. */
export type ValueAssertion =
  | { op: 'equals'; expected: ScalarValue }
  | { op: 'in'; expected: ScalarValue[] }
  | { op: 'not-in'; expected: ScalarValue[] }
  | { op: 'matches'; pattern: UserPattern }
  | { op: 'less-than'; limit: number }
  | { op: 'greater-than'; limit: number };

/** Assertions over the items of a list; the inner assertion is applied to each item. */
export type ListAssertion = { op: 'all' | 'any' | 'none'; inner: ValueAssertion };

/** Assertions about presence; they need no `if-missing`, since missing is what they judge. */
export type PresenceAssertion = { op: 'exists' } | { op: 'absent' };

/**
 * Assertions that read AWS data through the model: `ami-requires-imdsv2` judges an `ImageId` by whether the
 * AMI it names is registered with ImdsSupport v2.0 (src/aws-data/ami-imds-support.json) and its default
 * applies (no account-level IMDS default allows IMDSv1 or may); an AMI that cannot be known is not known to
 * require IMDSv2. `launches-without-instance-profile` judges a resource's own map (`$`): true when the
 * instances it launches certainly have no instance profile. `account-default-requires-imdsv2` is true when
 * the document's account-level IMDS default (AWS::EC2::InstanceMetadataDefaults) certainly leaves a launch of
 * the resource that holds the selected node, with HttpTokens unset, without IMDSv1 (src/model/instance-metadata.ts).
 */
export type DataAssertion = { op: 'ami-requires-imdsv2' | 'launches-without-instance-profile' | 'account-default-requires-imdsv2'; expected: boolean };

/**
 * A value assertion on what the document's account-level IMDS defaults set for one setting (each defaults
 * resource judged): a launch that leaves the setting unset gets that value. No defaults resource, or one that
 * states no preference, is missing; a value not known (or a resource that may not be created) is unknown.
 */
export type AccountDefaultAssertion = { op: 'account-imds-default'; setting: AccountDefaultSetting; inner: ValueAssertion };

export type Assertion = ValueAssertion | ListAssertion | PresenceAssertion | DataAssertion | AccountDefaultAssertion;

export const VALUE_OPERATORS = ['equals', 'in', 'not-in', 'matches', 'less-than', 'greater-than'] as const;
export const LIST_OPERATORS = ['all', 'any', 'none'] as const;
export const PRESENCE_OPERATORS = ['exists', 'absent'] as const;
export const DATA_OPERATORS = ['ami-requires-imdsv2', 'launches-without-instance-profile', 'account-default-requires-imdsv2', 'account-imds-default'] as const;
export const OPERATORS = [...PRESENCE_OPERATORS, ...VALUE_OPERATORS, ...LIST_OPERATORS, ...DATA_OPERATORS] as const;
export type Operator = (typeof OPERATORS)[number];

/** A selector plus an assertion; used both as a check and as a `when` condition. */
export interface Condition {
  select: CompiledSelector;
  assertion: Assertion;
  /** Required for value and list assertions (the loader enforces it); unused for presence. */
  ifMissing?: IfMissing;
  ifUnknown: IfUnknown;
}

export interface Check extends Condition {
  /** 0-based position in the rule, for messages and ordering. */
  index: number;
  /** Narrows the rule's resource types for this check (exact type names or globs). */
  resources?: string[];
  /** Each node this selects becomes the scope (`$`) of `select` and `when`. */
  each?: CompiledSelector;
  /** The check runs only where every condition holds or cannot be decided (fail closed). */
  when: Condition[];
  severity: Severity;
  message: string;
}

export interface PackRule {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  why: string;
  fix: string;
  /** Path of the docs page in this repository. */
  docs: string;
  /** Document kinds the rule reads. Rules with `resources` read CloudFormation only. */
  documents: DocumentKind[];
  /** Resource types (exact or glob such as `AWS::EC2::*`); absent: the whole document is the scope. */
  resources?: string[];
  /** minimatch globs on the file path; absent: every file. */
  files?: string[];
  checks: Check[];
  /** Where the rule was defined, for messages about the rule itself. */
  source: { file: string; line: number };
}

/** A problem in a rule pack, at the line of the offending YAML node. */
export interface RulePackError {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** Placeholders a message may use; any other `{{name}}` is a load error. */
export const PLACEHOLDERS = ['value', 'resource', 'type', 'path', 'key', 'expected', 'file', 'rule'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

// The bounds live in a file of their own, which the selector and pattern compilers import without this one.
export { LIMITS } from './limits.js';
