import { fingerprintOf, type Finding } from '../findings/finding.js';
import { DocumentModel } from '../model/document-model.js';
import type { EngineOptions } from '../model/options.js';
import type { Rule } from '../rules/types.js';
import { groupByModule, hclUnavailable, readTerraformModule, type ReadOptions, type TerraformProblem, type Unchecked } from '../terraform/index.js';
import { docsUrl } from './docs-links.js';
import { FILE_TOO_LARGE_RULE, PARSE_ERROR_RULE, internalErrorFinding, runRule, type InputFile, type ScannedFile } from './rule-run.js';
import { SourceFile } from '../parse/source-file.js';

/** Findings about Terraform values only known at apply, or modules trustgate does not read. */
export const NOT_CHECKED_RULE = 'not-checked';

/**
 * The Terraform part of a scan: each directory of the inputs is one module, read as one document and
 * judged by every rule; findings land on the `.tf` file and line where each value is written.
 * `all` is every input (for `file()` of policy files beside the module). Returns the paths of the
 * other files the modules read (policy JSON through file()): they are judged as part of the module.
 */
export function scanTerraformInputs(
  terraform: readonly InputFile[],
  all: readonly InputFile[],
  options: EngineOptions,
  rules: readonly Rule[],
  findings: Finding[],
  files: ScannedFile[],
): Set<string> {
  const consumed = new Set<string>();
  if (terraform.length === 0) return consumed;
  const byPath = new Map(all.map((input) => [input.path, input.text]));
  const unavailable = hclUnavailable();
  const groups = groupByModule(terraform);
  const parseCache: NonNullable<ReadOptions['parseCache']> = new Map();
  const produced: Finding[] = [];
  for (const [dir, inputs] of groups) {
    for (const input of inputs) files.push({ path: input.path, status: 'scanned', kind: 'terraform' });
    if (unavailable !== undefined) {
      findings.push(internalErrorFinding(new SourceFile(inputs[0]!.path, inputs[0]!.text), 'terraform', new Error(unavailable)));
      continue;
    }
    let module;
    try {
      module = readTerraformModule(dir, inputs, { readFile: (path) => byPath.get(path), moduleFiles: (other) => groups.get(other), parseCache });
    } catch (error) {
      // Fails closed: the module is not known to be safe.
      findings.push(internalErrorFinding(new SourceFile(inputs[0]!.path, inputs[0]!.text), 'terraform', error));
      continue;
    }
    for (const path of module.consumed) {
      if (consumed.has(path)) continue;
      consumed.add(path);
      files.push({ path, status: 'scanned', kind: 'terraform' });
    }
    for (const problem of module.problems) produced.push(problemFinding(problem, options));
    for (const item of module.unchecked) produced.push(uncheckedFinding(item, options));
    if (module.document === undefined) continue;
    const model = new DocumentModel(module.document, options);
    // A module is a document of resources, as a template is.
    for (const rule of rules) {
      if (!rule.appliesTo.includes('resources')) continue;
      runRule(rule, model, options, produced);
    }
  }
  findings.push(...withoutRepeats(produced));
  return consumed;
}

/**
 * A local module is judged on its own (its directory is scanned) and again inside each caller, with the
 * caller's inputs (`module.net.aws_instance.bastion`). A finding of a call that says the same as the
 * module's own (rule, place, severity) is dropped; what the inputs change is kept.
 */
function withoutRepeats(findings: Finding[]): Finding[] {
  const key = (finding: Finding) => `${finding.ruleId}|${finding.file}|${finding.line}|${finding.column}|${finding.severity}|${(finding.resource ?? '').replace(/^(module\.[^.]+\.)+/, '').replace(/\[[^\]]*\]/g, '')}`;
  const own = new Set(findings.filter((finding) => !finding.resource?.startsWith('module.') || !finding.resource.includes('.', 'module.'.length)).map(key));
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const k = key(finding);
    const fromCall = finding.resource !== undefined && /^module\.[^.]+\./.test(finding.resource);
    if (fromCall && own.has(k)) return false;
    // One finding per call and place, however many callers read the module.
    const exact = `${k}|${finding.resource ?? ''}|${finding.message}`;
    if (seen.has(exact)) return false;
    seen.add(exact);
    return true;
  });
}

/** Not read is not known to be safe: blocks unless configuration lowers the rule, as for templates. */
function problemFinding(problem: TerraformProblem, options: EngineOptions): Finding {
  const span = problem.file.spanOf(problem.start, problem.end);
  if (problem.tooLarge) {
    const fingerprint = fingerprintOf({ ruleId: FILE_TOO_LARGE_RULE, file: problem.file.path });
    return {
      id: fingerprint.slice(0, 12),
      fingerprint,
      ruleId: FILE_TOO_LARGE_RULE,
      category: 'parse-error',
      severity: options.rules[FILE_TOO_LARGE_RULE]?.severity ?? 'high',
      file: problem.file.path,
      ...span,
      message: `${problem.file.path} was not checked: ${problem.message}, so it is not known to be safe.`,
      remediation: 'Split the file; Terraform reads every .tf file of the directory as one module.',
      docs: docsUrl('docs/rules/file-too-large.md'),
    };
  }
  const fingerprint = fingerprintOf({ ruleId: PARSE_ERROR_RULE, file: problem.file.path, element: problem.message });
  return {
    id: fingerprint.slice(0, 12),
    fingerprint,
    ruleId: PARSE_ERROR_RULE,
    category: 'parse-error',
    severity: options.rules[PARSE_ERROR_RULE]?.severity ?? 'high',
    file: problem.file.path,
    ...span,
    message: `${problem.file.path} could not be read here: ${problem.message}. trustgate does not judge a block it cannot read.`,
    remediation: 'Fix the syntax error at this line (`terraform fmt` and `terraform validate` point at it too).',
    docs: docsUrl('docs/rules/parse-error.md'),
  };
}

function uncheckedFinding(item: Unchecked, options: EngineOptions): Finding {
  const span = item.file.spanOf(item.start, item.end);
  const fingerprint = fingerprintOf({ ruleId: NOT_CHECKED_RULE, file: item.file.path, ...(item.resource ? { resource: item.resource } : {}), element: item.message });
  const finding: Finding = {
    id: fingerprint.slice(0, 12),
    fingerprint,
    ruleId: NOT_CHECKED_RULE,
    category: 'not-checked',
    severity: options.rules[NOT_CHECKED_RULE]?.severity ?? 'low',
    file: item.file.path,
    ...span,
    message: item.message,
    remediation: 'Write the policy in this module (jsonencode, a heredoc or an aws_iam_policy_document data source), or check the module that provides it.',
    docs: docsUrl('docs/rules/not-checked.md'),
  };
  if (item.resource !== undefined) finding.resource = item.resource;
  return finding;
}
