import type { Category, RelatedLocation } from '../findings/finding.js';
import type { Severity } from '../findings/severity.js';
import type { DocumentKind } from '../parse/classify.js';
import type { SourceNode } from '../parse/nodes.js';
import type { DocumentModel } from '../model/document-model.js';
import type { Vocabulary } from '../model/vocabulary.js';

/** What every rule declares beside its logic. `id` equals the rule's path under src/rules. */
export interface RuleMeta {
  id: string;
  /** What it finds, in a line; in CloudFormation's words where it names properties. */
  title: string;
  category: Category;
  /** Severity when the rule does not grade a finding itself. */
  severity: Severity;
  /** Why it matters, in a sentence or two: shown in the check run and `/trustgate explain`; in CloudFormation's words where it names properties. */
  why: string;
  /**
   * {@link title} and {@link why} in the words of a language (src/model/vocabulary.ts), for a rule shown
   * without a file (SARIF, `/trustgate explain`; {@link ruleTextIn}); what it leaves out reads the same in
   * every language. Rules whose title or `why` names properties, types or intrinsics have one; with
   * CloudFormation's vocabulary it says `title` and `why` exactly (test/rules/registry.test.ts holds that).
   */
  worded?: (words: Vocabulary) => { title?: string; why?: string };
  /** How to fix it, in a sentence or two: in CloudFormation's words where it names properties (the docs page, SARIF help, `/trustgate explain`). */
  fix: string;
  /**
   * How to fix it in the words of a finding's document (src/model/vocabulary.ts), for the resource concerned
   * (its logical id or Terraform address; `''` when there is none): what a finding carries when the rule
   * passes no remediation of its own. Rules whose `fix` names properties, types or intrinsics have one;
   * with CloudFormation's vocabulary it says `fix` exactly (test/rules/registry.test.ts holds that).
   */
  remedy?: (words: Vocabulary, resource: string) => string;
  /** Path of the docs page in this repository, `docs/rules/<id>.md`. */
  docs: string;
}

/**
 * A rule's title, `why` and `fix` in the words of a language, about no file in particular: where a reader
 * sees the rule on its own (SARIF, `/trustgate explain`). `words` is a vocabulary for no document
 * (src/engine/unbound-vocabulary.ts); the fix is {@link RuleMeta.remedy} for no resource. With
 * CloudFormation's vocabulary, the metadata as written.
 */
export function ruleTextIn(meta: RuleMeta, words: Vocabulary): { title: string; why: string; fix: string } {
  if (words.language === 'cloudformation') return { title: meta.title, why: meta.why, fix: meta.fix };
  const worded = meta.worded?.(words);
  return { title: worded?.title ?? meta.title, why: worded?.why ?? meta.why, fix: meta.remedy?.(words, '') ?? meta.fix };
}

/** A finding as a rule reports it; the engine adds positions, rule metadata and fingerprints. */
export interface Report {
  /** The node the finding points at: the exact offending value where there is one. */
  node: SourceNode;
  message: string;
  /** Overrides the rule's default severity (graded rules). */
  severity?: Severity;
  /** Logical id of the resource concerned, when not derivable from the node's path. */
  resource?: string;
  /** Other places that make up the finding, e.g. each link of an attack path. */
  related?: { node: SourceNode; message: string }[];
  /**
   * What distinguishes this finding from others of the same rule on the same node, for fingerprints
   * that survive line shifts (e.g. the offending action name).
   */
  element?: string;
  remediation?: string;
}

export interface RuleContext {
  model: DocumentModel;
  report(report: Report): void;
}

/**
 * A rule: metadata plus a check over one parsed document. Checks report what is wrong through
 * `context.report`; one that throws becomes an `internal-error` finding, never a crash.
 */
export interface Rule {
  meta: RuleMeta;
  appliesTo: readonly RuleScope[];
  check(context: RuleContext): void;
}

/**
 * What a rule reads. `resources`: a document of AWS resources — a CloudFormation or SAM template or a
 * Terraform module, which the language adapters turn into the same model (a rule does not know which);
 * `iam-policy`: a policy document on its own.
 */
export type RuleScope = 'resources' | 'iam-policy';

/** The scope of a parsed document of this kind (src/parse/classify.ts; a Terraform module is a document of resources too). */
export function scopeOf(kind: DocumentKind): RuleScope {
  return kind === 'iam-policy' ? 'iam-policy' : 'resources';
}

export type { RelatedLocation };
