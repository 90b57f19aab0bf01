import { expandActionPattern, allServices, actionsOf } from '../aws-data/iam-data.js';
import { readInfrastructureFile } from '../parse/parse-file.js';
import { conditionTests } from './conditions.js';
import { DocumentModel } from './document-model.js';
import { identityGraph, type IdentityPrincipal } from './identity-graph.js';
import { instanceMetadata, instanceProfileOf, sourceLabel, tokenProblems } from './instance-metadata.js';
import type { ResolvedValue } from './intrinsics.js';
import { withDefaults, type EngineOptions } from './options.js';
import { elementItems, type Statement } from './policy.js';
import { accountTrust, describePrincipal, statementPrincipals } from './principals.js';
import { groupByModule, isTerraformPath, moduleDirectory as moduleDirectoryOf, readTerraformModule } from '../terraform/index.js';

/**
 * What a change grants, offline: the counterpart of IAM Access Analyzer's CheckNoNewAccess that needs
 * no AWS account. Each version of a file is reduced to facts about access — who may do which action on
 * which resource, who may assume a role, who may reach a resource through its policy, whether an
 * instance answers IMDSv1, which role an instance runs as, which principals have a permissions boundary
 * — and the facts of the head are compared with those of the base. A fact is a line a reviewer reads;
 * its key is what makes two versions' facts the same one.
 */
export type AccessFactKind = 'action' | 'trust' | 'resource-policy' | 'imds' | 'instance-role' | 'boundary';

export interface AccessFact {
  kind: AccessFactKind;
  /** The file (head path) and the principal or resource it is about: `Role DeployRole`, `Bucket Logs`. */
  file: string;
  subject: string;
  /** What is granted, one line: `s3:* (148 actions) on *`, `account 444455556666 may assume it`. */
  what: string;
  /** Identity of the fact across versions (subject and what, without counts or positions). */
  key: string;
  /** For `imds`: whether the setting is the weak one (IMDSv1 answered); ranks downgrades. */
  weak?: boolean;
  /** Logical ids the fact belongs to: the principal or resource, and the resource holding the policy. */
  owners: string[];
}

export interface AccessChange {
  file: string;
  subject: string;
  added: AccessFact[];
  removed: AccessFact[];
}

export interface AccessDiff {
  changes: AccessChange[];
  /** Files compared (head paths). */
  files: number;
}

export interface VersionedText {
  /** The head path (a renamed file under its new name). */
  path: string;
  head?: string;
  base?: string;
}

/** The access facts of one file's text; none when it does not parse or is no infrastructure. */
export function accessFacts(path: string, text: string, partialOptions: Partial<EngineOptions> = {}): AccessFact[] {
  const outcome = readInfrastructureFile(path, text);
  if (outcome.status !== 'parsed') return [];
  return modelFacts(path, new DocumentModel(outcome.document, withDefaults(partialOptions)));
}

/**
 * The access facts of a Terraform module (a directory's `.tf` files, read with the local modules it
 * calls from `all`), under `path` (how the module is named in the output); none when it cannot be read.
 */
export function terraformAccessFacts(path: string, dir: string, inputs: readonly { path: string; text: string }[], all: readonly { path: string; text: string }[], partialOptions: Partial<EngineOptions> = {}): AccessFact[] {
  const byPath = new Map(all.map((input) => [input.path, input.text]));
  const groups = groupByModule(all);
  try {
    const module = readTerraformModule(dir, inputs, { readFile: (other) => byPath.get(other), moduleFiles: (other) => groups.get(other) });
    if (module.document === undefined) return [];
    return modelFacts(path, new DocumentModel(module.document, withDefaults(partialOptions)));
  } catch {
    // The scan reports a module it cannot read; the diff only leaves it out.
    return [];
  }
}

function modelFacts(path: string, model: DocumentModel): AccessFact[] {
  const facts: AccessFact[] = [];
  const add = (fact: Omit<AccessFact, 'key' | 'file' | 'owners'> & { key?: string; owners: (string | undefined)[] }) =>
    facts.push({ ...fact, owners: [...new Set(fact.owners.filter((owner): owner is string => owner !== undefined))], file: path, key: `${fact.kind}\u0000${fact.subject}\u0000${fact.key ?? fact.what}` });
  let graph;
  try {
    graph = identityGraph(model);
  } catch {
    return [];
  }
  for (const principal of graph.principals.values()) {
    const subject = principal.label;
    for (const attachment of principal.attachments) {
      for (const statement of attachment.document.statements) {
        if (statement.effect !== 'Allow') continue;
        for (const grant of actionGrants(statement)) add({ kind: 'action', subject, what: grant.what, key: grant.key, owners: [principal.logicalId, attachment.document.owner.resource?.logicalId] });
      }
    }
    for (const arn of principal.managedPolicyArns) {
      const what = `managed policy ${arn.arn ?? '(not known until deployment)'} attached, its document not known here`;
      add({ kind: 'action', subject, what, owners: [principal.logicalId] });
    }
    if (principal.trust !== undefined) {
      for (const statement of principal.trust.statements) {
        if (statement.effect !== 'Allow') continue;
        const conditions = conditionText(statement);
        for (const trusted of statementPrincipals(statement, model.template)) {
          if (trusted.element !== 'Principal') continue;
          const who = describePrincipal(trusted);
          const provider = trusted.kind === 'federated' ? ' (federated provider)' : '';
          add({ kind: 'trust', subject, what: `${who}${provider} may assume it${conditions}`, owners: [principal.logicalId] });
        }
      }
    }
    if (principal.kind !== 'policy-file') add({ kind: 'boundary', subject, what: boundaryText(principal), key: 'boundary', owners: [principal.logicalId] });
  }
  for (const document of model.policies) {
    if (document.kind !== 'resource') continue;
    const subject = document.owner.label;
    for (const statement of document.statements) {
      if (statement.effect !== 'Allow') continue;
      const conditions = conditionText(statement);
      for (const principal of statementPrincipals(statement, model.template)) {
        const open =
          principal.element === 'NotPrincipal' || principal.kind === 'anyone'
            ? 'the public'
            : principal.kind === 'account' || principal.kind === 'iam'
              ? accountTrust(principal.account, model.options) === 'external'
                ? `another account (${describePrincipal(principal)})`
                : undefined
              : undefined;
        if (open === undefined) continue;
        add({ kind: 'resource-policy', subject, what: `open to ${open}${conditions}`, owners: [document.owner.resource?.logicalId] });
      }
    }
  }
  try {
    const metadata = instanceMetadata(model);
    for (const source of metadata.sources) {
      const subject = sourceLabel(source);
      const weak = tokenProblems(model.resolver, source).length > 0;
      add({ kind: 'imds', subject, what: weak ? 'instances answer IMDSv1 requests (tokens not required)' : 'IMDSv2 required (HttpTokens: required)', key: 'imds', weak, owners: [source.resource.logicalId] });
      for (const reference of instanceProfileOf(model, source)) {
        const roles = reference.profile?.roles.map((role) => role.logicalId ?? 'a role outside the template') ?? [reference.description];
        for (const role of roles) add({ kind: 'instance-role', subject, what: `runs as ${role} (instance profile ${reference.profile?.logicalId ?? reference.description})`, owners: [source.resource.logicalId] });
      }
    }
  } catch {
    // The IMDS model is best effort here: the rules report what it cannot read.
  }
  return dedupeFacts(facts);
}

/** Compares the facts of each file's base and head: what the change adds and removes, per subject. */
export function diffAccess(
  files: readonly VersionedText[],
  options: Partial<EngineOptions> = {},
  /** The Terraform module directories to compare (the app's changed ones: the others were read at the head only); all by default. */
  terraformModules?: ReadonlySet<string>,
): AccessDiff {
  const changes: AccessChange[] = [];
  // A Terraform module is one document across its directory's files: compared as a whole, under its directory.
  const terraform = files.filter((file) => isTerraformPath(file.path));
  const headTf = terraform.flatMap((file) => (file.head !== undefined ? [{ path: file.path, text: file.head }] : []));
  const baseTf = terraform.flatMap((file) => (file.base !== undefined ? [{ path: file.path, text: file.base }] : []));
  const headModules = groupByModule(headTf);
  const baseModules = groupByModule(baseTf);
  // A module read at the head only (a local module the changed one calls) is the same at the base.
  const baseAll = [...baseTf, ...headTf.filter((file) => !baseModules.has(moduleDirectoryOf(file.path)))];
  const versions: { path: string; head: () => AccessFact[]; base: () => AccessFact[] }[] = files
    .filter((file) => !isTerraformPath(file.path))
    .map((file) => ({
      path: file.path,
      head: () => (file.head !== undefined ? accessFacts(file.path, file.head, options) : []),
      base: () => (file.base !== undefined ? accessFacts(file.path, file.base, options) : []),
    }));
  for (const dir of new Set([...headModules.keys(), ...baseModules.keys()])) {
    if (terraformModules !== undefined && !terraformModules.has(dir)) continue;
    const name = dir === '' ? '(root module)' : `${dir}/`;
    const inHead = headModules.get(dir);
    const inBase = baseModules.get(dir);
    versions.push({
      path: name,
      head: () => (inHead !== undefined ? terraformAccessFacts(name, dir, inHead, headTf, options) : []),
      // Without any base file the module is new: everything it grants is added.
      base: () => (inBase !== undefined ? terraformAccessFacts(name, dir, inBase, baseAll, options) : []),
    });
  }
  for (const file of versions) {
    const head = file.head();
    const base = file.base();
    const baseKeys = new Map(base.map((fact) => [fact.key, fact]));
    const headKeys = new Map(head.map((fact) => [fact.key, fact]));
    const bySubject = new Map<string, AccessChange>();
    const entry = (subject: string) => {
      let change = bySubject.get(subject);
      if (change === undefined) bySubject.set(subject, (change = { file: file.path, subject, added: [], removed: [] }));
      return change;
    };
    for (const fact of head) {
      const before = baseKeys.get(fact.key);
      if (before === undefined) {
        // A new principal without a boundary, or a new instance requiring IMDSv2, is no added access.
        if (fact.kind === 'boundary' && !headHasBoundary(fact) && !base.some((other) => other.subject === fact.subject)) continue;
        if (fact.kind === 'imds' && fact.weak !== true && !base.some((other) => other.subject === fact.subject)) continue;
        entry(fact.subject).added.push(fact);
      } else if (before.what !== fact.what) {
        entry(fact.subject).added.push(fact);
        entry(fact.subject).removed.push(before);
      }
    }
    for (const fact of base) {
      if (headKeys.has(fact.key)) continue;
      if (fact.kind === 'boundary' && !headHasBoundary(fact)) continue;
      if (fact.kind === 'imds' && fact.weak !== true && !head.some((other) => other.subject === fact.subject)) continue;
      entry(fact.subject).removed.push(fact);
    }
    changes.push(...[...bySubject.values()].filter((change) => change.added.length > 0 || change.removed.length > 0));
  }
  return { changes, files: versions.length };
}

function headHasBoundary(fact: AccessFact): boolean {
  return fact.what.startsWith('permissions boundary');
}

function boundaryText(principal: IdentityPrincipal): string {
  return principal.boundary !== undefined ? 'permissions boundary set' : 'no permissions boundary';
}

/** Each Action of an Allow statement on each Resource: `s3:* (148 actions) on arn:aws:s3:::b/*`. */
function actionGrants(statement: Statement): { what: string; key: string }[] {
  const actions = valuesOf(elementItems(statement, 'Action').flatMap((item) => item.values));
  const notActions = valuesOf(elementItems(statement, 'NotAction').flatMap((item) => item.values));
  const resources = valuesOf(elementItems(statement, 'Resource').flatMap((item) => item.values));
  const notResources = valuesOf(elementItems(statement, 'NotResource').flatMap((item) => item.values));
  const on = resources.length > 0 ? resources : notResources.length > 0 ? notResources.map((r) => `everything but ${r}`) : ['(no resource)'];
  const conditions = conditionText(statement);
  const out: { what: string; key: string }[] = [];
  const actionLines = actions.length > 0 ? actions.map((action) => ({ text: action, count: countOf(action) })) : notActions.map((action) => ({ text: `every action but ${action}`, count: undefined }));
  for (const action of actionLines) {
    for (const resource of on) {
      const key = `${action.text.toLowerCase()} on ${resource}${conditions}`;
      const count = action.count !== undefined && /[*?]/.test(action.text) ? ` (${action.count} actions)` : '';
      out.push({ what: `${action.text}${count} on ${resource}${conditions}`, key });
    }
  }
  return out;
}

/** How many actions AWS's data lists for a pattern (`*` is every action of every service). */
function countOf(pattern: string): number | undefined {
  if (!/[*?]/.test(pattern)) return undefined;
  try {
    if (pattern === '*') return [...allServices()].reduce((sum, service) => sum + actionsOf(service).size, 0);
    return expandActionPattern(pattern).length;
  } catch {
    return undefined;
  }
}

function valuesOf(values: readonly ResolvedValue[]): string[] {
  return [
    ...new Set(
      values.map((value) => {
        if (value.kind === 'known') return String(value.value);
        if (value.kind === 'partial') return value.text;
        return '(not known until deployment)';
      }),
    ),
  ];
}

/** ` when aws:SourceAccount, sts:ExternalId` for a statement with conditions; empty without. */
function conditionText(statement: Statement): string {
  const keys = [...new Set(conditionTests(statement).map((test) => test.key))];
  return keys.length === 0 ? '' : ` when ${keys.join(', ')}`;
}

function dedupeFacts(facts: AccessFact[]): AccessFact[] {
  const seen = new Set<string>();
  return facts.filter((fact) => {
    if (seen.has(fact.key)) return false;
    seen.add(fact.key);
    return true;
  });
}
