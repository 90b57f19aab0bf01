import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TERRAFORM_CORPUS, terraformFiles } from '../support/terraform-corpus.js';
import { hclCursorKind, parseHclThroughTreeSitter, usePublicCursorForTests } from '../../src/terraform/hcl.js';

// For the files the direct reader leaves to it (test/terraform/hcl-direct.test.ts), tree-sitter's tree is
// walked through the runtime's own cursor functions (one wasm call per step) rather than the public
// TreeCursor (which copies the cursor in and out around every call). Both walks
// must read every file into the same syntax tree, with the same problems, clean or broken. (The public
// walk also descends into comments, whose children the fast walk skips in a tree without errors: the
// comparison shows nothing reads them.)
const CORPUS = TERRAFORM_CORPUS;


const CLEAN = [
  'resource "aws_s3_bucket" "b" {\n  bucket = "${"${"${var.a}"}"}"\n  tags = { for k, v in var.tags : k => "%{ if v != "" }${v}%{ endif }" }\n}\n',
  'locals {\n  # a comment\n  xs = [for s in var.statements : { Effect = s.effect, Action = s.actions } if s.on]\n  doc = <<-EOT\n    %{ for a in local.actions ~}\n    "${a}",\n    %{ endfor ~}\n  EOT\n}\n',
  `locals {\n  deep = ${'['.repeat(40)}1${']'.repeat(40)}\n}\n`,
];

const BROKEN = [
  'resource "aws_iam_role" "a" {\n  name = "x"\n  assume_role_policy = jsonencode({ Statement = [ { Effect = "Allow" ] })\n}\n',
  '}\nresource "aws_iam_policy" "p" {\n  policy = <<EOF\n{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}\nEOF\n}\n',
  'locals {\n  a = [for x in var.y : x if ]\n  b = "${upper(var.z}"\n}\nresource "aws_instance" "i" {\n  metadata_options {\n    http_tokens = "optional"\n  }\n}\n',
  'variable "v" {\n  default = { a = 1, b = [1, 2, 3] }\n}\noutput "o" {\n  value = var.v.a ? "x" : \n}\n',
  '= = =\nresource "aws_iam_role" "r" { name = "r" }\n',
];

function bothWays(text: string): { fast: ReturnType<typeof parseHclThroughTreeSitter>; slow: ReturnType<typeof parseHclThroughTreeSitter> } {
  const fast = parseHclThroughTreeSitter(text);
  usePublicCursorForTests(true);
  expect(hclCursorKind()).toBe('public');
  const slow = parseHclThroughTreeSitter(text);
  usePublicCursorForTests(false);
  return { fast, slow };
}

describe('the HCL syntax tree walk', () => {
  afterEach(() => usePublicCursorForTests(false));

  it('uses the runtime cursor functions in this version of web-tree-sitter', () => {
    expect(hclCursorKind()).toBe('runtime');
  });

  it('reads for expressions, template directives and comments the same through either walk', () => {
    for (const text of CLEAN) {
      const { fast, slow } = bothWays(text);
      expect(fast.ok && fast.problems).toEqual([]);
      expect(fast).toEqual(slow);
    }
    const forExpr = parseHclThroughTreeSitter(CLEAN[0]!);
    // The for expression and the %{ if } directive inside it are read whole (the evaluator expands them).
    expect(JSON.stringify(forExpr)).toContain('"t":"for","object":true,"keyVar":"k","valueVar":"v"');
    expect(JSON.stringify(forExpr)).toContain('"t":"if","condition":{"t":"binary","op":"!="');
  });

  it('reads files with syntax errors the same through either walk, and reports the errors', () => {
    for (const text of BROKEN) {
      const { fast, slow } = bothWays(text);
      expect(fast).toEqual(slow);
      expect(fast.ok ? fast.problems.length : 1).toBeGreaterThan(0);
    }
  });

  it.skipIf(!existsSync(CORPUS))('reads every file of terraform-aws-modules the same through either walk', () => {
    const texts = terraformFiles(CORPUS).map((file) => readFileSync(file, 'utf8'));
    expect(texts.length).toBeGreaterThanOrEqual(566);
    for (const text of texts) {
      const { fast, slow } = bothWays(text);
      expect(fast).toEqual(slow);
    }
  });
});
