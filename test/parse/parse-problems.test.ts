import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseJson } from '../../src/parse/json.js';

/** Parse problems say where to look, and a limit is not called a syntax error. */
interface JsonFinding { ruleId: string; line: number; column: number; message: string; remediation: string }

async function scan(name: string, text: string): Promise<JsonFinding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'trustgate-parse-'));
  writeFileSync(join(dir, name), text);
  let stdout = '';
  await main(['scan', join(dir, name), '--format', 'json'], { stdout: (t) => (stdout += t), stderr: () => undefined });
  return (JSON.parse(stdout) as { findings: JsonFinding[] }).findings;
}

describe('parse problems', () => {
  it('puts an unclosed bracket at the bracket left open, not one line past the end', async () => {
    const text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": "*", "Resource": "*"}\n';
    const [finding] = await scan('policy.json', text);
    expect(finding!.ruleId).toBe('parse-error');
    expect(finding!.line).toBe(3);
    expect(finding!.column).toBe(16);
    expect(finding!.message).toContain('the array opened with [ here is never closed (the file ends at line 4)');
    expect(finding!.remediation).toBe('Fix the syntax error at this line.');
  });

  it('puts a YAML flow collection left open on the last line with content', async () => {
    const text = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  R:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument:\n        Statement: [\n          {Effect: Allow, Action: "*", Resource: "*"}\n\n';
    const [finding] = await scan('template.yaml', text);
    expect(finding!.ruleId).toBe('parse-error');
    expect(finding!.line).toBe(8);
    expect(finding!.message).toContain('(the file ends here)');
  });

  it('names the innermost open bracket, skipping brackets inside strings', () => {
    const result = parseJson('{"a": "[{", "b": {"c": [1, 2]');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.offset).toBe('{"a": "[{", "b": '.length);
    expect(result.problem.message).toContain('the object opened with {');
  });

  it('keeps jsonc-parser positions for errors inside the text', () => {
    const result = parseJson('{"a": 1,, "b": 2}');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.offset).toBe(8);
  });

  it('says that nesting past the limit is a limit, not a syntax error', async () => {
    const deep = `{"Statement": ${'['.repeat(300)}${']'.repeat(300)}}`;
    const [finding] = await scan('deep.json', deep);
    expect(finding!.ruleId).toBe('parse-error');
    expect(finding!.message).toContain('goes past a limit trustgate sets against hostile input (nesting deeper than');
    expect(finding!.message).toContain('This is not a syntax error');
    expect(finding!.remediation).not.toContain('syntax error');
  });

  it('says the same of a YAML alias bomb', async () => {
    const lines = ['AWSTemplateFormatVersion: "2010-09-09"', 'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 0; i < 6; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`);
    lines.push('Resources:', '  Bomb:', '    Type: AWS::SNS::Topic', '    Properties:', '      Tags: *g');
    const [bomb] = await scan('bomb.yaml', lines.join('\n') + '\n');
    expect(bomb!.ruleId).toBe('parse-error');
    expect(bomb!.message).toContain('goes past a limit');
    expect(bomb!.message).toContain('alias');
  });
});
