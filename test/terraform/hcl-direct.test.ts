import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TERRAFORM_CORPUS, terraformFiles } from '../support/terraform-corpus.js';
import { readHclDirect } from '../../src/terraform/hcl-direct.js';
import { parseHcl, parseHclThroughTreeSitter, type Expr } from '../../src/terraform/hcl.js';

// The direct reader reads what it can be sure of and leaves the rest to tree-sitter. Wherever it reads a
// file, it must give exactly the tree tree-sitter gives, and tree-sitter must find no syntax error there:
// on every file of the corpus, on hand-written corners of the language, and on thousands of mutations.
const CORPUS = TERRAFORM_CORPUS;


/** `direct` when the direct reader read it (and agreed), `tree-sitter` when it left it to tree-sitter. */
function compare(text: string): 'direct' | 'tree-sitter' {
  const direct = readHclDirect(text);
  if (direct === undefined) return 'tree-sitter';
  const slow = parseHclThroughTreeSitter(text);
  expect(slow.ok && slow.problems, text).toEqual([]);
  expect(direct, text).toEqual(slow.ok ? slow.body : undefined);
  return 'direct';
}

/** Syntax trees without offsets, to state what an expression means. */
function shape(expr: Expr | undefined): unknown {
  return JSON.parse(JSON.stringify(expr, (key, value: unknown) => (key === 'start' || key === 'end' ? undefined : value)));
}

function firstValue(text: string): Expr | undefined {
  const result = parseHcl(text);
  return result.ok ? result.body.attributes[0]?.expr : undefined;
}

const AGREED = [
  'x = a ? b : c ? d : e',
  'x = v == 1 ? "a" : v == 2 ? "b" : v == 3 ? "c" : "d"',
  'x = a ? b ? c : d : e',
  'x = (a ? b : c) ? d : e',
  'x = (a || b) && c',
  'x = (a).b',
  'x = (a)[0].b',
  'x = -(a + b)',
  'x = !(a && b) || c',
  'x = " a "',
  'x = -a.b * c',
  'x = !a == b',
  'x = a <= b && c >= d || e % f',
  'x = a.*.b.c',
  'x = a[*].b[0]',
  'x = a.0.1',
  'x = foo (1)',
  'x = f(a, b...)',
  'x = f(a,)',
  'x = provider::aws::arn_parse(a).region',
  'x = a ?\n b :\n c',
  'x = a\n? b\n: c',
  'x = a &&\n b',
  'x = a\n.b',
  'x = a\n  y = 2',
  'x = a + \n# c\n b',
  'x = a /* c */ + b',
  'x = "a\\u0041\\n\\"" // c',
  'x = "$${a} %%{b}"',
  'x = "${~ a ~}"',
  'x = "%{ if a }b%{ endif ~} c"',
  'x = "%{ if a } b %{~ else ~} c %{ endif }"',
  'x = <<EOT\n  hi ${a}\n  EOT\n',
  'x = <<-EOT\n  hi\n  EOT\ny = 1',
  'x = <<EOT\nEOT\n',
  'x = <<EOT\n%{ for s in xs ~}\n  ${s}\n%{ endfor ~}\nEOT\n',
  'x = [for k, v in m : v if v != null]',
  'x = {for k, v in m : k => v... if v}',
  'x = { a = 1, "b" : 2, (c) = 3 }',
  'x = [1, 2.5, 1.5e3,]',
  'resource "a" "b" {\n  dynamic "s" {\n    for_each = var.x\n    content { y = s.value }\n  }\n}\n',
];

/** Read by tree-sitter alone: where its grammar reads differently from a plain reading, or not at all. */
const LEFT_TO_TREE_SITTER = [
  'x = [a\n[0]]',
  'x = <<EOT\nEOT',
  'x = "a\nb"',
  'x = 1e5',
  'x = { for = 1 }',
  'x = "\\q"',
  'x = a.',
  'resource "a" "b" {\n',
  '}\n',
  'x = "${}"',
  'x = "%{ if a }b"',
  'x = a << b',
  '\uFEFFx = 1',
  `x = ${'['.repeat(300)}${']'.repeat(300)}`,
];

describe('the direct HCL reader', () => {
  it('reads the corners of the language exactly as tree-sitter does', () => {
    for (const text of AGREED) expect(compare(text), text).toBe('direct');
  });

  it('leaves to tree-sitter what it is not sure of', () => {
    for (const text of LEFT_TO_TREE_SITTER) expect(compare(text), text).toBe('tree-sitter');
    // Syntax errors are still found, at their line, by tree-sitter.
    const broken = parseHcl('locals {\n  a = [1, 2\n}\nresource "aws_iam_role" "r" { name = "r" }\n');
    expect(broken.ok && broken.problems.length).toBeGreaterThan(0);
  });

  it('reads a conditional chain from the right, parentheses, and quoted blanks as HCL means them', () => {
    expect(shape(firstValue('x = a ? "b" : c ? "d" : "e"'))).toEqual({
      t: 'cond',
      condition: { t: 'var', name: 'a' },
      whenTrue: { t: 'lit', value: 'b' },
      whenFalse: { t: 'cond', condition: { t: 'var', name: 'c' }, whenTrue: { t: 'lit', value: 'd' }, whenFalse: { t: 'lit', value: 'e' } },
    });
    expect(shape(firstValue('x = (a || b) && c'))).toEqual({
      t: 'binary',
      op: '&&',
      left: { t: 'binary', op: '||', left: { t: 'var', name: 'a' }, right: { t: 'var', name: 'b' } },
      right: { t: 'var', name: 'c' },
    });
    expect(shape(firstValue('x = (a).b'))).toEqual({ t: 'attr', object: { t: 'var', name: 'a' }, name: 'b' });
    expect(shape(firstValue('x = join(" ", a)'))).toMatchObject({ args: [{ t: 'lit', value: ' ' }, { t: 'var', name: 'a' }] });
    expect(shape(firstValue('x = a + # why\n  b'))).toEqual({ t: 'binary', op: '+', left: { t: 'var', name: 'a' }, right: { t: 'var', name: 'b' } });
    // `~` before the closing brace of `%{ endif ~}` strips what follows, not what precedes it.
    expect(shape(firstValue('x = "%{ if a }b %{ endif ~} c"'))).toMatchObject({ parts: [{ t: 'if', then: [{ t: 'text', text: 'b ' }] }, { t: 'text', text: 'c' }] });
    // The same through tree-sitter, which reads every file with a syntax error.
    for (const text of ['x = a ? "b" : c ? "d" : "e"', 'x = (a || b) && c', 'x = join(" ", a)', 'x = "%{ if a }b %{ endif ~} c"']) {
      const slow = parseHclThroughTreeSitter(text);
      expect(shape(slow.ok ? slow.body.attributes[0]?.expr : undefined)).toEqual(shape(firstValue(text)));
    }
  });

  it.skipIf(!existsSync(CORPUS))('reads every file of terraform-aws-modules itself, exactly as tree-sitter does', () => {
    const files = terraformFiles(CORPUS);
    expect(files.length).toBeGreaterThanOrEqual(566);
    for (const file of files) expect(compare(readFileSync(file, 'utf8')), file).toBe('direct');
  });

  it.skipIf(!existsSync(CORPUS))('agrees with tree-sitter on every mutation of the corpus it reads', () => {
    const files = terraformFiles(CORPUS).filter((file) => statSync(file).size < 20_000);
    let seed = 17;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const tokens = ['{', '}', '"', '${', '%{', '\n', '[', ']', '(', ')', ',', '=', '?', ':', '#', '<<EOT\n', '~', '.', '*', '-', '!', ' ', '"a"', 'x', '0', '/*', '*/', '\\', '$$', '%%{', '=>', '...', 'for ', ' in ', ' if ', '%{ endif }', '%{ else }', '${x}', '&&', '==', '\t', '\r'];
    const counts = { direct: 0, 'tree-sitter': 0 };
    for (let i = 0; i < 1500; i++) {
      let text = readFileSync(files[Math.floor(random() * files.length)]!, 'utf8');
      for (let edits = 1 + Math.floor(random() * 2); edits > 0; edits--) {
        const at = Math.floor(random() * text.length);
        text = random() < 0.3 ? text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3)) : text.slice(0, at) + tokens[Math.floor(random() * tokens.length)] + text.slice(at);
      }
      counts[compare(text)]++;
    }
    // Both sides are exercised: many mutants are read directly, many are left to tree-sitter.
    expect(counts.direct).toBeGreaterThan(300);
    expect(counts['tree-sitter']).toBeGreaterThan(300);
  });
});
