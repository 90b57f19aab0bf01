import { describe, expect, it } from 'vitest';
import { parseCommands } from '../../src/waivers/commands.js';

describe('parseCommands', () => {
  it('reads every command of a comment, in order', () => {
    const body = [
      'Thanks! Two things:',
      '/trustgate waive 1a2b3c4d5e6f --reason "break-glass role, reviewed by security" --expires 2027-01-31',
      '/trustgate waive imdsv2/launch-template-imds --file infra/asg.yaml --reason \u201cASG is being retired\u201d',
      '/trustgate rerun',
      '/trustgate explain least-privilege/full-admin',
      '/trustgate unwaive w-0a1b2c3d',
      '/trustgate help',
      '/trustgate',
    ].join('\r\n');
    expect(parseCommands(body)).toEqual([
      { kind: 'waive', line: 2, target: { kind: 'finding', findingId: '1a2b3c4d5e6f' }, reason: 'break-glass role, reviewed by security', expires: '2027-01-31' },
      { kind: 'waive', line: 3, target: { kind: 'rule', ruleId: 'imdsv2/launch-template-imds' }, file: 'infra/asg.yaml', reason: 'ASG is being retired' },
      { kind: 'rerun', line: 4 },
      { kind: 'explain', line: 5, ruleId: 'least-privilege/full-admin' },
      { kind: 'unwaive', line: 6, waiverId: 'w-0a1b2c3d' },
      { kind: 'help', line: 7 },
      { kind: 'help', line: 8 },
    ]);
  });

  it('ignores commands in quotes, fenced and indented code, inline code and HTML comments', () => {
    const body = [
      '> /trustgate waive 1a2b3c4d5e6f --reason "quoted"',
      '>/trustgate rerun',
      '```',
      '/trustgate waive 1a2b3c4d5e6f --reason "fenced"',
      '```',
      '~~~~ text',
      '/trustgate rerun',
      '~~~',
      '/trustgate rerun',
      '~~~~',
      '',
      '    /trustgate waive 1a2b3c4d5e6f --reason "indented code"',
      '\t/trustgate rerun',
      'Try `/trustgate rerun` next time.',
      '<!--',
      '/trustgate rerun',
      '-->',
      'please /trustgate rerun',
      '/trustgateX rerun',
      '   /trustgate rerun',
    ].join('\n');
    expect(parseCommands(body)).toEqual([{ kind: 'rerun', line: 20 }]);
  });

  it('answers unknown commands and bad arguments with a kind that leads to help or usage', () => {
    const commands = parseCommands(
      [
        '/trustgate approve everything',
        '/trustgate waive 1a2b3c4d5e6f',
        '/trustgate waive 1a2b3c4d5e6f --reason unquoted words here',
        '/trustgate waive 1a2b3c4d5e6f --reason "x" --expires tomorrow',
        '/trustgate waive NOT_AN_ID --reason "x"',
        '/trustgate waive 1a2b3c4d5e6f --file a.yaml --reason "x"',
        '/trustgate waive 1a2b3c4d5e6f --reason "x" --reason "y"',
        '/trustgate waive 1a2b3c4d5e6f --reason "unclosed',
        '/trustgate unwaive 1234',
        '/trustgate explain',
      ].join('\n'),
    );
    expect(commands.map((c) => c.kind)).toEqual(['unknown', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid']);
    expect(commands[0]).toEqual({ kind: 'unknown', line: 1, text: '/trustgate approve everything' });
    const problems = commands.slice(1).map((c) => (c.kind === 'invalid' ? c.problem : ''));
    expect(problems[0]).toContain('needs --reason');
    expect(problems[1]).toContain('one finding or rule at a time');
    expect(problems[2]).toContain('--expires takes a date');
    expect(problems[3]).toContain('neither a finding id');
    expect(problems[4]).toContain('--file limits a rule waiver');
    expect(problems[5]).toContain('--reason is given twice');
    expect(problems[6]).toContain('unclosed quote');
  });

  it('accepts --option=value and a leading ./ in --file', () => {
    expect(parseCommands('/trustgate waive least-privilege/full-admin --file=./a/b.yaml --reason=ok')).toEqual([
      { kind: 'waive', line: 1, target: { kind: 'rule', ruleId: 'least-privilege/full-admin' }, file: 'a/b.yaml', reason: 'ok' },
    ]);
  });
});
