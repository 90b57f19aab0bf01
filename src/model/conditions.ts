import { isMap, type SourceNode } from '../parse/nodes.js';
import type { ResolvedValue } from './intrinsics.js';
import type { Statement } from './policy.js';

/**
 * One `operator: { key: values }` test of a statement's Condition block, split into its parts so that
 * rules can judge whether it really restricts: `StringEqualsIfExists` is `StringEquals` + `ifExists`,
 * `ForAnyValue:StringLike` is `StringLike` + qualifier `ForAnyValue`.
 */
export interface ConditionTest {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  /** Without qualifier and IfExists, e.g. `StringLike`. */
  baseOperator: string;
  ifExists: boolean;
  qualifier: 'ForAnyValue' | 'ForAllValues' | undefined;
  operatorNode: SourceNode;
  /** The condition key as written; compare case-insensitively (`aws:sourcearn`). */
  key: string;
  keyNode: SourceNode;
  valueNode: SourceNode;
  /** Every value the test compares against (lists flattened, intrinsics resolved). */
  values: ResolvedValue[];
}

/** The tests of a statement's Condition block, in source order; empty when there is none. */
export function conditionTests(statement: Statement): ConditionTest[] {
  const block = statement.elements.Condition;
  if (!isMap(block)) return [];
  const resolver = statement.document.resolver;
  const tests: ConditionTest[] = [];
  for (const operatorEntry of block.entries) {
    const operator = String(operatorEntry.key.value);
    if (!isMap(operatorEntry.value)) continue;
    const [qualifierPart, rest] = operator.includes(':') ? (operator.split(':', 2) as [string, string]) : [undefined, operator];
    const ifExists = rest.endsWith('IfExists');
    const qualifier = qualifierPart === 'ForAnyValue' || qualifierPart === 'ForAllValues' ? qualifierPart : undefined;
    for (const keyEntry of operatorEntry.value.entries) {
      const values = resolver.listItems(keyEntry.value).flatMap((item) =>
        resolver.resolve(item).flatMap((value): ResolvedValue[] =>
          value.kind === 'known' && Array.isArray(value.value) ? value.value.map((v) => ({ kind: 'known', value: v, node: value.node })) : value.kind === 'absent' ? [] : [value],
        ),
      );
      tests.push({
        operator,
        baseOperator: ifExists ? rest.slice(0, -'IfExists'.length) : rest,
        ifExists,
        qualifier,
        operatorNode: operatorEntry.key,
        key: String(keyEntry.key.value),
        keyNode: keyEntry.key,
        valueNode: keyEntry.value,
        values,
      });
    }
  }
  return tests;
}

/**
 * Whether a test can only pass for the listed values: an exact or pattern match without IfExists,
 * whose values are known and are not bare wildcards. `…IfExists` passes when the key is missing, and
 * `StringLike "*"` matches anything, so neither restricts.
 */
export function isRestrictiveTest(test: ConditionTest): boolean {
  if (test.ifExists) return false;
  if (test.qualifier === 'ForAllValues') return false; // passes vacuously when the request has no values for the key
  if (test.baseOperator === 'Null' || test.baseOperator.startsWith('StringNot') || test.baseOperator.startsWith('ArnNot')) return false;
  // Negated operators of the other families admit every value except the listed ones, too.
  if (test.baseOperator === 'NotIpAddress' || test.baseOperator === 'NumericNotEquals' || test.baseOperator === 'DateNotEquals') return false;
  if (test.values.length === 0) return false;
  return test.values.every((value) => {
    if (value.kind === 'unknown' || value.kind === 'structure') return false;
    if (value.kind === 'absent') return false;
    const text = value.kind === 'known' ? String(value.value) : value.text;
    return text !== '' && !/^[*?]+$/.test(text);
  });
}
