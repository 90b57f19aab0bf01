import type { DocumentModel } from '../../model/document-model.js';
import { conditionTests, type ConditionTest } from '../../model/conditions.js';
import { valueText } from '../../model/intrinsics.js';
import { elementItems, type Statement } from '../../model/policy.js';
import type { SourceNode } from '../../parse/nodes.js';

/**
 * IAM and service control policy statements that govern instance metadata through the EC2 condition
 * keys, and whether each one really holds. They are the organisation-wide guard the IMDS rules
 * recommend; a guard never lowers a finding by itself (it may not be attached to the account a template
 * deploys into), but one in the same document is named in the findings, and a guard written so that it
 * lets IMDSv1 launches through is reported by imdsv2/weak-metadata-guard.
 */

export const METADATA_CONDITION_KEYS = ['ec2:MetadataHttpTokens', 'ec2:MetadataHttpPutResponseHopLimit', 'ec2:MetadataHttpEndpoint', 'ec2:RoleDelivery'] as const;

export interface MetadataGuard {
  statement: Statement;
  test: ConditionTest;
  /** The condition key with AWS's spelling. */
  key: (typeof METADATA_CONDITION_KEYS)[number];
  /** `enforces`: the statement does what a guard should; `weak`: it lets what it means to stop through. */
  verdict: 'enforces' | 'weak' | 'unrecognised';
  /** What the statement does, for messages: `denies ec2:RunInstances unless ec2:MetadataHttpTokens is required`. */
  summary: string;
  /** Why a weak guard does not hold, and where to point. */
  weakness?: { node: SourceNode; reason: string };
}

/** The recommended organisation-wide guard, quoted in fix texts. */
export const RECOMMENDED_GUARD =
  'Organisation-wide, add a service control policy that denies ec2:RunInstances on arn:aws:ec2:*:*:instance/* when "StringNotEquals": {"ec2:MetadataHttpTokens": "required"} (and, for credentials already handed out, denies "*" when "NumericLessThan": {"ec2:RoleDelivery": "2.0"}); the rule\'s documentation page explains both and links the IMDSv2 guide.';

/** Every statement of the document's policies that tests one of the metadata condition keys. */
export function metadataGuards(model: DocumentModel): MetadataGuard[] {
  return model.derive('imdsv2/metadata-guards', () => {
    const guards: MetadataGuard[] = [];
    for (const policy of model.policies) {
      if (policy.kind !== 'identity' && policy.kind !== 'scp') continue;
      for (const statement of policy.statements) {
        for (const test of conditionTests(statement)) {
          const key = METADATA_CONDITION_KEYS.find((k) => k.toLowerCase() === test.key.toLowerCase());
          if (key !== undefined) guards.push(judgeGuard(statement, test, key, model.vocabulary.field('', 'MetadataOptions.HttpTokens')));
        }
      }
    }
    return guards;
  });
}

/** `httpTokens`: the launch setting as the document's language names it (`HttpTokens`, `http_tokens`). */
function judgeGuard(statement: Statement, test: ConditionTest, key: MetadataGuard['key'], httpTokens: string): MetadataGuard {
  const values = test.values.map((value) => valueText(value)?.toLowerCase()).filter((v): v is string => v !== undefined);
  const actions = elementItems(statement, 'Action').flatMap((item) => item.values.map((value) => valueText(value) ?? '?'));
  const actionText = actions.length > 0 ? actions.join(', ') : 'NotAction';
  const op = test.baseOperator;
  const negated = op.startsWith('StringNot') || op.startsWith('NumericNot');
  const deny = statement.effect === 'Deny';
  const base = { statement, test, key };
  const verb = deny ? 'denies' : 'allows';

  if (key === 'ec2:MetadataHttpTokens') {
    if (deny && negated && values.length > 0 && values.every((v) => v === 'required')) {
      return { ...base, verdict: 'enforces', summary: `${verb} ${actionText} unless ec2:MetadataHttpTokens is required` };
    }
    if (deny && !negated && values.includes('optional')) {
      // A positive test on a key the request lacks is false, and an instance launched without
      // HttpTokens gets the default (optional): only IfExists makes the absent case count.
      if (test.ifExists) return { ...base, verdict: 'enforces', summary: `${verb} ${actionText} when ec2:MetadataHttpTokens is optional or not given` };
      return {
        ...base,
        verdict: 'weak',
        summary: `${verb} ${actionText} only when ec2:MetadataHttpTokens is explicitly optional`,
        weakness: {
          node: test.operatorNode,
          reason: `${test.operator} on ec2:MetadataHttpTokens "optional" is false when a launch request does not mention ${httpTokens}, and such an instance gets the default, optional: IMDSv1 launches still pass. Use "StringNotEquals": {"ec2:MetadataHttpTokens": "required"}`,
        },
      };
    }
    if (deny && negated && values.includes('optional')) {
      return {
        ...base,
        verdict: 'weak',
        summary: `${verb} ${actionText} unless ec2:MetadataHttpTokens is optional`,
        weakness: { node: test.valueNode, reason: `${test.operator} "optional" denies launches that require IMDSv2 and lets IMDSv1 launches through: the value should be "required"` },
      };
    }
    if (!deny && !negated && values.length > 0 && values.every((v) => v === 'required')) {
      if (!test.ifExists) return { ...base, verdict: 'enforces', summary: `${verb} ${actionText} only when ec2:MetadataHttpTokens is required` };
      return {
        ...base,
        verdict: 'weak',
        summary: `${verb} ${actionText} when ec2:MetadataHttpTokens is required or not given`,
        weakness: { node: test.operatorNode, reason: `${test.operator} also allows launch requests that do not mention ${httpTokens}, and those instances get the default, optional (IMDSv1): drop IfExists` },
      };
    }
    if (!deny && values.includes('optional') && !negated) {
      return {
        ...base,
        verdict: 'weak',
        summary: `${verb} ${actionText} when ec2:MetadataHttpTokens is optional`,
        weakness: { node: test.valueNode, reason: `the statement grants launches that allow IMDSv1; the value should be "required"` },
      };
    }
  }

  if (key === 'ec2:RoleDelivery') {
    const numbers = values.map(Number).filter((n) => Number.isFinite(n));
    if (deny && op === 'NumericLessThan' && numbers.length > 0) {
      if (numbers.every((n) => n >= 2)) return { ...base, verdict: 'enforces', summary: `${verb} ${actionText} for credentials delivered through IMDSv1 (ec2:RoleDelivery below ${numbers[0]})` };
      return {
        ...base,
        verdict: 'weak',
        summary: `${verb} ${actionText} when ec2:RoleDelivery is below ${numbers[0]}`,
        weakness: { node: test.valueNode, reason: `IMDSv1 credentials carry ec2:RoleDelivery 1.0, which is not below ${numbers[0]}: the value should be 2.0` },
      };
    }
    if (deny && (op === 'NumericEquals' || op === 'StringEquals') && numbers.includes(1)) {
      return { ...base, verdict: 'enforces', summary: `${verb} ${actionText} for credentials delivered through IMDSv1 (ec2:RoleDelivery 1.0)` };
    }
    if (deny && (op === 'NumericEquals' || op === 'NumericGreaterThanEquals' || op === 'StringEquals') && numbers.every((n) => n >= 2) && numbers.length > 0) {
      return {
        ...base,
        verdict: 'weak',
        summary: `${verb} ${actionText} for credentials delivered through IMDSv2`,
        weakness: { node: test.operatorNode, reason: `${test.operator} ${numbers[0]} denies IMDSv2 credentials and lets IMDSv1 credentials through: use "NumericLessThan": {"ec2:RoleDelivery": "2.0"}` },
      };
    }
  }

  if (key === 'ec2:MetadataHttpPutResponseHopLimit') {
    const numbers = values.map(Number).filter((n) => Number.isFinite(n));
    if (deny && op === 'NumericGreaterThan' && numbers.length > 0) {
      return { ...base, verdict: 'enforces', summary: `${verb} ${actionText} when the hop limit is above ${numbers[0]}` };
    }
  }

  if (key === 'ec2:MetadataHttpEndpoint') {
    if (deny && negated && values.length > 0 && values.every((v) => v === 'disabled')) {
      return { ...base, verdict: 'enforces', summary: `${verb} ${actionText} unless the metadata endpoint is disabled` };
    }
  }

  return { ...base, verdict: 'unrecognised', summary: `${verb} ${actionText} with ${test.operator} on ${key}` };
}

/**
 * Guards in this document, as `related` entries for IMDS findings: they show the reader that the
 * organisation-wide control exists here, while the finding still stands (a guard only applies where it
 * is attached).
 */
export function guardNotes(model: DocumentModel): { node: SourceNode; message: string }[] {
  return metadataGuards(model)
    .filter((guard) => guard.verdict === 'enforces' && (guard.key === 'ec2:MetadataHttpTokens' || guard.key === 'ec2:RoleDelivery'))
    .map((guard) => ({
      node: guard.statement.node,
      message: `${guard.statement.document.owner.label} ${guard.summary}; it protects only the accounts and principals it is attached to, so the setting is still reported`,
    }));
}
