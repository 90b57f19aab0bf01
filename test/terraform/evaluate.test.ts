import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import { toPlain } from '../../src/parse/nodes.js';
import { ruleById } from '../../src/engine/all-rules.js';
import { readTerraformModule } from '../../src/terraform/index.js';

/** The evaluator's Terraform semantics: what is known, what fails as Terraform fails, what stays unknown. */

type Plain = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

function resources(files: Record<string, string>, dir = ''): Plain['Resources'] {
  const module = readTerraformModule(dir, Object.entries(files).map(([path, text]) => ({ path, text })), { readFile: (path) => files[path], moduleFiles: (child) => Object.entries(files).filter(([path]) => path.startsWith(`${child}/`) && !path.slice(child.length + 1).includes('/')).map(([path, text]) => ({ path, text })) });
  return (toPlain(module.document!.root) as Plain).Resources;
}

const unresolved = (value: unknown): boolean => JSON.stringify(value).includes('Fn::Unresolved');

describe('null in a string template', () => {
  it('is an error in Terraform, so the string is not known: never "" and never a wildcard', () => {
    const r = resources({
      'main.tf': `variable "urls" {
  default = []
}
locals {
  provider = try(element(var.urls, 0), null)
}
resource "aws_iam_role" "r" {
  name        = "ci-\${local.provider}"
  description = "\${local.provider}"
  path        = join("/", ["", local.provider, ""])
}
`,
    });
    const properties = r['aws_iam_role.r']!.Properties;
    // The known text is kept; the null part is not known (the old reading was "ci-").
    expect(properties.RoleName).toEqual({ 'Fn::Join': ['', ['ci-', { 'Fn::Unresolved': 'local.provider is null, which cannot be interpolated into a string' }]] });
    // "${x}" alone is x itself: null, so the argument is not set.
    expect(properties.Description).toBeUndefined();
    expect(unresolved(properties.Path)).toBe(true);
  });

  it('makes try() move on to its next argument, as the failure it is', () => {
    const r = resources({
      'main.tf': `locals {
  host = null
}
resource "aws_iam_role" "r" {
  name = try("role-\${local.host}", "fallback")
}
`,
    });
    expect(r['aws_iam_role.r']!.Properties.RoleName).toBe('fallback');
  });
});

describe('try()', () => {
  it('moves past what fails (a missing key or attribute, an index out of range, element() of an empty list)', () => {
    const r = resources({
      'main.tf': `variable "settings" {
  type    = any
  default = {}
}
variable "list" {
  default = []
}
resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = [try(var.settings.arn, "a"), try(var.list[3], "b"), try(element(var.list, 0), "c"), lookup({ x = "y" }, "z", "d")] }]
  })
}
`,
    });
    const statement = (r['aws_iam_policy.p']!.Properties.PolicyDocument as { Statement: { Resource: unknown }[] }).Statement[0]!;
    expect(statement.Resource).toEqual(['a', 'b', 'c', 'd']);
  });

  it('is not known when its first argument is not known before apply: the fallback is not the value', () => {
    const r = resources({
      'main.tf': `data "aws_iam_policy" "x" {
  name = "x"
}
resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = try(data.aws_iam_policy.x.arn, "*") }]
  })
}
`,
    });
    const statement = (r['aws_iam_policy.p']!.Properties.PolicyDocument as { Statement: { Resource: unknown }[] }).Statement[0]!;
    expect(statement.Resource).not.toBe('*');
    expect(unresolved(statement.Resource)).toBe(true);
  });

  it('keeps optional() attributes of a typed variable: null, not a failure', () => {
    const r = resources({
      'main.tf': `variable "role" {
  type = object({
    name = optional(string)
    path = optional(string, "/typed/")
  })
  default = {}
}
resource "aws_iam_role" "r" {
  name = try(coalesce(var.role.name, "named-by-coalesce"), "from-try")
  path = var.role.path
}
`,
    });
    expect(r['aws_iam_role.r']!.Properties.RoleName).toBe('named-by-coalesce');
    expect(r['aws_iam_role.r']!.Properties.Path).toBe('/typed/');
  });

  it('can() is false for what fails and true for what is known', () => {
    const r = resources({
      'main.tf': `resource "aws_iam_role" "r" {
  name = can(tolist([])[0]) ? "fails" : "caught"
  path = can(upper("x")) ? "/known/" : "/no/"
}
`,
    });
    expect([r['aws_iam_role.r']!.Properties.RoleName, r['aws_iam_role.r']!.Properties.Path]).toEqual(['caught', '/known/']);
  });
});

describe('module calls with count or for_each', () => {
  const child = {
    'modules/p/main.tf': `variable "action" {}
resource "aws_iam_policy" "p" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = var.action, Resource = "*" }] })
}
resource "aws_iam_user" "u" {}
resource "aws_iam_user_policy_attachment" "a" {
  user       = aws_iam_user.u.name
  policy_arn = aws_iam_policy.p.arn
}
`,
  };

  it('are judged once per instance of a known collection, each.* bound in the inputs; an empty one not at all', () => {
    const caller = {
      'main.tf': `module "p" {
  source   = "./modules/p"
  for_each = { reader = "s3:GetObject", admin = "*" }
  action   = each.value
}
module "none" {
  source   = "./modules/p"
  for_each = {}
  action   = "*"
}
`,
    };
    const { findings } = scanFiles(Object.entries({ ...child, ...caller }).map(([path, text]) => ({ path, text })), {}, [ruleById('least-privilege/full-admin')!]);
    expect(findings.map((f) => [f.file, f.line, f.resource])).toEqual([['main.tf', 3, 'module.p["admin"].aws_iam_policy.p']]);
  });

  it('stand for every instance with each.* unknown when the collection is not known', () => {
    const r = resources({ ...child, 'main.tf': 'variable "items" {}\nmodule "p" {\n  source   = "./modules/p"\n  for_each = var.items\n  action   = each.value\n}\n' });
    expect(Object.keys(r).filter((address) => address.startsWith('module.p.'))).toContain('module.p.aws_iam_policy.p');
  });
});

describe('for expressions', () => {
  it('are evaluated over a known list or map, with if, keys in order, and ... grouping', () => {
    const r = resources({
      'main.tf': `variable "buckets" {
  default = ["logs", "", "data"]
}
variable "grants" {
  default = { writer = "s3:PutObject", reader = "s3:GetObject", admin = "*" }
}
locals {
  arns    = [for b in var.buckets : "arn:aws:s3:::\${b}/*" if b != ""]
  actions = { for name, action in var.grants : name => action if name != "admin" }
  grouped = { for name, action in var.grants : substr(name, 0, 1) => action... }
}
resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = values(local.actions), Resource = local.arns, Sid = join(",", keys(local.actions)) }]
  })
}
`,
    });
    const statement = (r['aws_iam_policy.p']!.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement[0]!;
    expect(statement.Resource).toEqual(['arn:aws:s3:::logs/*', 'arn:aws:s3:::data/*']);
    // A map is iterated in key order, as Terraform does.
    expect(statement.Action).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(statement.Sid).toBe('reader,writer');
  });

  it('give for_each its instances, and an empty collection none', () => {
    const { findings } = scanFiles(
      [
        {
          path: 'main.tf',
          text: `variable "policies" {
  default = { ro = "s3:GetObject", all = "*" }
}
variable "none" {
  default = {}
}
resource "aws_iam_policy" "p" {
  for_each = { for k, v in var.policies : k => v if v == "*" }
  policy   = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = each.value, Resource = "*" }] })
}
resource "aws_iam_policy" "q" {
  for_each = { for k, v in var.none : k => v }
  policy   = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
`,
        },
      ],
      {},
      [ruleById('least-privilege/full-admin')!],
    );
    expect(findings.map((f) => f.resource)).toEqual(['aws_iam_policy.p["all"]']);
  });

  it('stay unknown over a collection not known before apply: never a wildcard, never empty', () => {
    const r = resources({
      'main.tf': `variable "arns" {}
resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = [for a in var.arns : "\${a}/*"] }]
  })
}
`,
    });
    const statement = (r['aws_iam_policy.p']!.Properties.PolicyDocument as { Statement: { Resource: unknown }[] }).Statement[0]!;
    expect(unresolved(statement.Resource)).toBe(true);
  });
});

describe('template directives', () => {
  it('%{ for } and %{ if } are expanded when what they read is known, strip markers included', () => {
    const r = resources({
      'main.tf': `variable "actions" {
  default = ["s3:GetObject", "s3:ListBucket"]
}
variable "prod" {
  default = true
}
resource "aws_iam_role" "r" {
  name = "%{ for a in var.actions ~}\${replace(a, ":", "-")}.%{ endfor ~}"
  path = "/%{ if var.prod }prod%{ else }dev%{ endif }/"
}
resource "aws_iam_policy" "p" {
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Action": [
          %{~ for i, a in var.actions ~}
          "\${a}"%{ if i < length(var.actions) - 1 },%{ endif }
          %{~ endfor ~}
        ],
        "Resource": "*"
      }]
    }
  EOT
}
`,
    });
    expect(r['aws_iam_role.r']!.Properties.RoleName).toBe('s3-GetObject.s3-ListBucket.');
    // A default can be changed by the caller: both branches, as for cond ? a : b.
    expect(r['aws_iam_role.r']!.Properties.Path).toEqual({ 'Fn::Join': ['', ['/', { 'Fn::If': ['terraform-conditional', 'prod', 'dev'] }, '/']] });
    const document = r['aws_iam_policy.p']!.Properties.PolicyDocument as { Statement: { Action: unknown }[] };
    expect(document.Statement[0]!.Action).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  it('stay unknown when the collection is not known', () => {
    const r = resources({ 'main.tf': 'variable "names" {}\nresource "aws_iam_role" "r" {\n  name = "%{ for n in var.names }${n}%{ endfor }"\n}\n' });
    expect(unresolved(r['aws_iam_role.r']!.Properties.RoleName)).toBe(true);
  });
});

describe('hostile for expressions', () => {
  it('a for inside a for over large lists is cut with an unknown value, in bounded time', () => {
    const list = `[${Array.from({ length: 1000 }, (_, i) => `"item-${i}-${'x'.repeat(20)}"`).join(', ')}]`;
    const r = resources({
      'main.tf': `locals {
  xs    = ${list}
  cross = flatten([for a in local.xs : [for b in local.xs : "\${a}\${b}"]])
}
resource "aws_iam_policy" "p" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = local.cross }] })
}
`,
    });
    const statement = (r['aws_iam_policy.p']!.Properties.PolicyDocument as { Statement: { Resource: unknown }[] }).Statement[0]!;
    // How fast this is, is the benchmark's business (npm run bench); here: past the bound it is not known.
    expect(unresolved(statement.Resource)).toBe(true);
  });
});

describe('compact()', () => {
  it('drops "" in every rendering: a conditional element with an empty branch is its other branch, nothing when both are empty', () => {
    const r = resources({
      'main.tf': `variable "create_group" {
  default = true
}
variable "quiet" {
  default = false
}
resource "aws_iam_role_policy" "logs" {
  role = "r"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = compact([var.create_group ? "logs:CreateLogGroup" : "", "logs:PutLogEvents", var.quiet ? "" : "", var.quiet ? "" : "logs:CreateLogStream", ""])
      Resource = "*"
    }]
  })
}
`,
    });
    const document = r['aws_iam_role_policy.logs']!.Properties.PolicyDocument as { Statement: Array<{ Action: unknown }> };
    expect(document.Statement[0]!.Action).toEqual(['logs:CreateLogGroup', 'logs:PutLogEvents', 'logs:CreateLogStream']);
  });
});
