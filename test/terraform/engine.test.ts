import { describe, expect, it } from 'vitest';
import { scanFiles } from '../../src/engine/scan.js';
import { getPath, toPlain } from '../../src/parse/nodes.js';
import { ruleById } from '../../src/engine/all-rules.js';
import { applySuppressions, collectSuppressions } from '../../src/engine/suppressions.js';
import { isTerraformPath, localModuleDirectories, readTerraformModule, resolveLocalSource } from '../../src/terraform/index.js';

const fullAdmin = ruleById('least-privilege/full-admin')!;
const publicTrust = ruleById('cross-account-trust/public-role-trust')!;

const ADMIN_ROLE = `resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}
`;

function model(files: Record<string, string>, dir = '') {
  const module = readTerraformModule(dir, Object.entries(files).map(([path, text]) => ({ path, text })), (path) => files[path]);
  return { module, plain: module.document === undefined ? undefined : (toPlain(module.document.root) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }) };
}

describe('Terraform files', () => {
  it('are .tf, .tf.json and the tfvars Terraform loads, outside .terraform/', () => {
    expect(['main.tf', 'a/b.tf.json', 'terraform.tfvars', 'x/prod.auto.tfvars'].every(isTerraformPath)).toBe(true);
    expect(['prod.tfvars', 'main.tf.bak', '.terraform/modules/x/main.tf', 'main.yaml'].some(isTerraformPath)).toBe(false);
  });

  it('local module sources resolve inside the repository only', () => {
    expect(resolveLocalSource('envs/prod', '../../modules/iam')).toBe('modules/iam');
    expect(resolveLocalSource('', './modules/iam/')).toBe('modules/iam');
    expect(resolveLocalSource('envs', '../../outside')).toBeUndefined();
    expect(resolveLocalSource('', 'terraform-aws-modules/iam/aws')).toBeUndefined();
    const dirs = localModuleDirectories('envs/prod', [
      { path: 'envs/prod/main.tf', text: 'module "iam" {\n  source = "../../modules/iam"\n}\nmodule "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n' },
    ]);
    expect(dirs).toEqual(['modules/iam']);
  });
});

describe('a module is a directory', () => {
  it('judges a policy in iam.tf attached to a role in main.tf, on the line of iam.tf', () => {
    const { findings } = scanFiles(
      [
        { path: 'app/main.tf', text: ADMIN_ROLE },
        { path: 'app/iam.tf', text: 'resource "aws_iam_role_policy_attachment" "admin" {\n  role       = aws_iam_role.app.name\n  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n' },
        { path: 'other/main.tf', text: 'resource "aws_iam_role_policy_attachment" "admin" {\n  role       = aws_iam_role.app.name\n  policy_arn = aws_iam_policy.x.arn\n}\n' },
      ],
      {},
      [fullAdmin],
    );
    expect(findings.map((f) => [f.file, f.line, f.column, f.resource])).toEqual([['app/iam.tf', 3, 16, 'aws_iam_role.app']]);
  });

  it('reports each .tf file as scanned Terraform', () => {
    const { files } = scanFiles([{ path: 'main.tf', text: ADMIN_ROLE }, { path: 'terraform.tfvars', text: 'x = 1\n' }]);
    expect(files).toEqual([
      { path: 'main.tf', status: 'scanned', kind: 'terraform' },
      { path: 'terraform.tfvars', status: 'scanned', kind: 'terraform' },
    ]);
  });
});

describe('local modules', () => {
  const child = {
    'modules/net/main.tf': `variable "tokens" {
  default = "required"
}
variable "role_name" {
  type = string
}
resource "aws_instance" "bastion" {
  ami                  = "ami-0123456789abcdef0"
  iam_instance_profile = aws_iam_instance_profile.bastion.name
  metadata_options {
    http_tokens = var.tokens
  }
}
resource "aws_iam_instance_profile" "bastion" {
  role = var.role_name
}
output "profile" {
  value = aws_iam_instance_profile.bastion.name
}
`,
  };
  const caller = {
    'envs/prod/main.tf': `module "net" {
  source    = "../../modules/net"
  tokens    = "optional"
  role_name = aws_iam_role.ops.name
}
resource "aws_iam_role" "ops" {
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }] })
}
resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.ops.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
`,
  };
  const inputs = (files: Record<string, string>) => Object.entries(files).map(([path, text]) => ({ path, text }));

  it('are read with the inputs of the call, under module.<name>. addresses, findings in the module files', () => {
    const chain = ruleById('imdsv2/credential-exfiltration-path')!;
    const { findings } = scanFiles(inputs({ ...child, ...caller }), {}, [chain, ruleById('imdsv2/instance-imds')!]);
    // The caller's "optional" makes the chain through the caller's admin role; the module alone requires tokens.
    expect(findings.map((f) => [f.ruleId, f.file, f.line, f.resource])).toEqual([
      ['imdsv2/credential-exfiltration-path', 'envs/prod/main.tf', 3, 'module.net.aws_instance.bastion'],
      ['imdsv2/instance-imds', 'envs/prod/main.tf', 3, 'module.net.aws_instance.bastion'],
    ]);
    // Without the module's files the call is not read (and not guessed).
    expect(scanFiles(inputs(caller), {}, [chain]).findings).toEqual([]);
  });

  it('drop what a call finds that the module finds on its own', () => {
    const own = { 'modules/iam/main.tf': 'resource "aws_iam_policy" "p" {\n  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })\n}\nresource "aws_iam_user" "u" {}\nresource "aws_iam_user_policy_attachment" "a" {\n  user       = aws_iam_user.u.name\n  policy_arn = aws_iam_policy.p.arn\n}\n' };
    const calls = { 'main.tf': 'module "a" {\n  source = "./modules/iam"\n}\nmodule "b" {\n  source = "./modules/iam"\n}\n' };
    const { findings } = scanFiles(inputs({ ...own, ...calls }), {}, [fullAdmin]);
    expect(findings.map((f) => [f.file, f.line, f.resource])).toEqual([['modules/iam/main.tf', 2, 'aws_iam_policy.p']]);
  });

  it('give their outputs to the caller', () => {
    const { module } = model({ ...child, ...caller, 'envs/prod/out.tf': 'resource "aws_instance" "other" {\n  iam_instance_profile = module.net.profile\n}\n' }, 'envs/prod');
    expect(module.document).toBeDefined();
    const { plain } = model({ 'main.tf': 'module "net" {\n  source = "./net"\n}\nresource "aws_instance" "i" {\n  iam_instance_profile = module.net.profile\n}\n' });
    expect(plain!.Resources['aws_instance.i']!.Properties.IamInstanceProfile).toEqual({ 'Fn::Unresolved': 'output profile of module net (a module trustgate does not read)' });
  });
});

describe('values', () => {
  it('keeps the exact line and column inside jsonencode and heredoc policies', () => {
    const text = `resource "aws_iam_policy" "a" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

resource "aws_iam_policy" "b" {
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    }
  EOT
}

resource "aws_iam_user" "u" {}
resource "aws_iam_user_policy_attachment" "a" {
  user       = aws_iam_user.u.name
  policy_arn = aws_iam_policy.a.arn
}
resource "aws_iam_user_policy_attachment" "b" {
  user       = aws_iam_user.u.name
  policy_arn = aws_iam_policy.b.arn
}
`;
    const { findings } = scanFiles([{ path: 'main.tf', text }], {}, [fullAdmin]);
    expect(findings.map((f) => [f.line, f.column])).toEqual([
      [4, 47],
      [12, 51],
    ]);
  });

  it('places the statements of a heredoc policy built with %{ for } and %{ if } on their own lines', () => {
    const text = `variable "buckets" {
  default = ["logs", "data"]
}
locals {
  admin = true
}
resource "aws_iam_policy" "p" {
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        %{~ for b in var.buckets ~}
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::\${b}/*"},
        %{~ endfor ~}
        %{~ if local.admin ~}
        {"Effect": "Allow", "Action": "*", "Resource": "*"}
        %{~ endif ~}
      ]
    }
  EOT
}
resource "aws_iam_user" "u" {}
resource "aws_iam_user_policy_attachment" "p" {
  user       = aws_iam_user.u.name
  policy_arn = aws_iam_policy.p.arn
}
`;
    const { findings } = scanFiles([{ path: 'main.tf', text }], {}, [fullAdmin]);
    // "Action": "*" of the statement the %{ if } writes, on line 16 where it is written (not on the
    // heredoc's first line, as when its text was not mapped back), after the two the %{ for } wrote.
    expect(findings.map((f) => [f.line, f.column])).toEqual([[16, 39]]);
    // A statement the %{ for } writes is on the template line it comes from, once per element.
    const perBucket = scanFiles([{ path: 'main.tf', text: text.replace('"Action": "s3:GetObject"', '"Action": "*"').replace('"arn:aws:s3:::\${b}/*"', '"*"') }], {}, [fullAdmin]);
    expect(perBucket.findings.map((f) => f.line)).toEqual([13, 13, 16]);
  });

  it('reads file() policies with positions in the JSON file', () => {
    const policy = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": "*", "Resource": "*"}\n  ]\n}\n';
    const { findings } = scanFiles(
      [
        { path: 'mod/main.tf', text: ADMIN_ROLE + 'resource "aws_iam_role_policy" "p" {\n  role   = aws_iam_role.app.id\n  policy = file("${path.module}/policy.json")\n}\n' },
        { path: 'mod/policy.json', text: policy },
      ],
      {},
      [fullAdmin],
    );
    expect(findings.map((f) => [f.file, f.line, f.column])).toEqual([['mod/policy.json', 4, 35]]);
  });

  it('renders principals as the provider does: type "*" is "*", AWS "*" is {"AWS": "*"}', () => {
    const document = (type: string) => `data "aws_iam_policy_document" "t" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "${type}"
      identifiers = ["*"]
    }
  }
}
resource "aws_iam_role" "r" {
  assume_role_policy = data.aws_iam_policy_document.t.json
}
`;
    const principal = (type: string) => {
      const { plain } = model({ 'main.tf': document(type) });
      return (plain!.Resources['aws_iam_role.r']!.Properties.AssumeRolePolicyDocument as { Statement: { Principal: unknown; Effect: string }[] }).Statement[0];
    };
    expect(principal('*')).toEqual({ Effect: 'Allow', Action: ['sts:AssumeRole'], Principal: '*' });
    expect(principal('AWS')).toEqual({ Effect: 'Allow', Action: ['sts:AssumeRole'], Principal: { AWS: ['*'] } });
  });

  it('merges source and override documents by sid; statements without a sid are kept', () => {
    const { plain } = model({
      'main.tf': `data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::a/*"]
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::a"]
  }
}
data "aws_iam_policy_document" "mine" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::b"]
  }
  statement {
    sid       = "Write"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::a/*"]
  }
  override_policy_documents = [data.aws_iam_policy_document.over.json]
}
data "aws_iam_policy_document" "over" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::c/*"]
  }
}
resource "aws_iam_policy" "p" {
  policy = data.aws_iam_policy_document.mine.json
}
`,
    });
    const statements = (plain!.Resources['aws_iam_policy.p']!.Properties.PolicyDocument as { Statement: { Sid?: string; Resource: string[] }[] }).Statement;
    expect(statements.map((s) => [s.Sid ?? '', s.Resource[0]])).toEqual([
      ['Read', 'arn:aws:s3:::c/*'],
      ['', 'arn:aws:s3:::a'],
      ['', 'arn:aws:s3:::b'],
      ['Write', 'arn:aws:s3:::a/*'],
    ]);
  });

  it('evaluates locals, templates, conditionals, tfvars over defaults, and keeps what is unknown unknown', () => {
    const { plain } = model({
      'main.tf': `locals {
  prefix = "team-\${var.env}"
}
variable "env" {
  default = "dev"
}
variable "arn" {}
resource "aws_iam_role" "r" {
  name                 = local.prefix
  permissions_boundary = var.arn
  path                 = var.env == "prod" ? "/prod/" : "/other/"
  max_session_duration = module.x.value
}
`,
      'terraform.tfvars': 'env = "prod"\n',
    });
    const properties = plain!.Resources['aws_iam_role.r']!.Properties;
    // Scalars from variables stay parameters with their value (findings point at the use and name the variable).
    expect(properties.RoleName).toEqual({ 'Fn::Join': ['', ['team-', { Ref: 'var.env' }]] });
    expect(properties.PermissionsBoundary).toEqual({ Ref: 'var.arn' });
    expect(properties.Path).toBe('/prod/');
    const parameters = (toPlain(model({ 'main.tf': 'variable "arn" {}\nresource "aws_iam_role" "r" {\n  permissions_boundary = var.arn\n}\n' }).module.document!.root) as { Parameters: Record<string, unknown> }).Parameters;
    expect(parameters).toEqual({ 'var.arn': { Type: 'String' } });
  });

  it('judges each instance of a known for_each or count, and none of an empty one', () => {
    const text = `resource "aws_iam_policy" "p" {
  for_each = {
    reader = "s3:GetObject"
    admin  = "*"
  }
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = each.value, Resource = "*" }] })
}
resource "aws_iam_policy" "off" {
  count  = 0
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
resource "aws_iam_user" "u" {}
resource "aws_iam_user_policy_attachment" "a" {
  for_each   = aws_iam_policy.p
  user       = aws_iam_user.u.name
  policy_arn = aws_iam_policy.p["admin"].arn
}
`;
    const { findings } = scanFiles([{ path: 'main.tf', text }], {}, [fullAdmin]);
    expect(findings.map((f) => [f.line, f.resource])).toEqual([[4, 'aws_iam_policy.p["admin"]']]);
  });

  it('judges both branches of a conditional on a default', () => {
    const text = `variable "admin" {
  default = false
}
resource "aws_iam_user" "u" {}
resource "aws_iam_user_policy_attachment" "a" {
  user       = aws_iam_user.u.name
  policy_arn = var.admin ? "arn:aws:iam::aws:policy/AdministratorAccess" : "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
`;
    const { findings } = scanFiles([{ path: 'main.tf', text }], {}, [fullAdmin]);
    expect(findings.map((f) => [f.line, f.severity])).toEqual([[7, 'critical']]);
    const decided = scanFiles([{ path: 'main.tf', text }, { path: 'terraform.tfvars', text: 'admin = false\n' }], {}, [fullAdmin]);
    expect(decided.findings).toEqual([]);
  });
});

describe('what cannot be read', () => {
  it('a syntax error is a parse-error at its line; the broken block is not judged, the others are', () => {
    const text = `resource "aws_iam_role" "broken" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = "*" }] }
  name =
}

resource "aws_iam_role" "open" {
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = "*" }] })
}
`;
    const { findings } = scanFiles([{ path: 'main.tf', text }], {}, [publicTrust]);
    // The missing ")" is noticed where the next line starts.
    expect(findings.map((f) => [f.ruleId, f.line, f.resource ?? ''])).toEqual([
      ['parse-error', 3, ''],
      ['cross-account-trust/public-role-trust', 7, 'aws_iam_role.open'],
    ]);
  });

  it('a registry module and a policy only known at apply are reported at low, never passed or read as *', () => {
    const text = `module "iam" {
  source = "terraform-aws-modules/iam/aws"
}
resource "aws_iam_policy" "p" {
  policy = module.iam.policy_json
}
`;
    const { findings } = scanFiles([{ path: 'main.tf', text }]);
    expect(findings.filter((f) => f.severity !== 'low' && f.severity !== 'info')).toEqual([]);
    expect(findings.filter((f) => f.ruleId === 'not-checked').map((f) => [f.ruleId, f.severity, f.line, f.resource])).toEqual([
      ['not-checked', 'low', 1, 'module.iam'],
      ['not-checked', 'low', 5, 'aws_iam_policy.p'],
    ]);
  });

  it('hostile input yields findings, not a crash: deep nesting, a huge heredoc, long interpolation chains', () => {
    const deep = `locals {\n  x = ${'['.repeat(5000)}${']'.repeat(5000)}\n}\nresource "aws_iam_role" "r" {}\n`;
    const heredoc = `resource "aws_iam_policy" "p" {\n  policy = <<EOT\n${'{"a": "' + 'x'.repeat(500_000) + '"}'}\nEOT\n}\n`;
    const chain = `resource "aws_iam_role" "r" {\n  name = "${'${local.a}'.repeat(20000)}"\n}\nlocals {\n  a = local.a\n}\n`;
    for (const text of [deep, heredoc, chain]) {
      const { findings } = scanFiles([{ path: 'main.tf', text }]);
      expect(findings.some((f) => f.category === 'internal-error')).toBe(false);
    }
    expect(scanFiles([{ path: 'main.tf', text: deep }]).findings.map((f) => f.ruleId)).toContain('parse-error');
    const huge = 'resource "aws_iam_role" "r" {}\n' + '# padding\n'.repeat(500_000);
    expect(scanFiles([{ path: 'main.tf', text: huge }]).findings.map((f) => [f.ruleId, f.severity])).toEqual([['file-too-large', 'high']]);
  });
});

describe('the adapter', () => {
  it('maps metadata options, launch templates and instance profiles onto the one model', () => {
    const { plain } = model({
      'main.tf': `resource "aws_launch_template" "lt" {
  iam_instance_profile {
    name = aws_iam_instance_profile.p.name
  }
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }
}
resource "aws_iam_instance_profile" "p" {
  role = aws_iam_role.r.name
}
resource "aws_iam_role" "r" {}
`,
    });
    expect(plain!.Resources['aws_launch_template.lt']).toEqual({
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 }, IamInstanceProfile: { Name: { Ref: 'aws_iam_instance_profile.p' } } } },
    });
    expect(plain!.Resources['aws_iam_instance_profile.p']!.Properties).toEqual({ Roles: [{ Ref: 'aws_iam_role.r' }] });
    expect(getPath(model({ 'main.tf': 'resource "aws_s3_bucket" "b" {}\n' }).module.document!.root, ['Resources', 'aws_s3_bucket.b', 'Type'])).toMatchObject({ value: 'AWS::S3::Bucket' });
  });
});

describe('inline suppressions', () => {
  it('a # trustgate:suppress comment above or inside a resource covers its findings in that file; a reason is required', () => {
    const trust = (name: string) => `resource "aws_iam_role" "${name}" {
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "arn:aws:iam::999988887777:root" } }]
  })
}
`;
    const text = `# trustgate:suppress cross-account-trust/external-account-without-external-id -- the vendor's own account, reviewed in SEC-12
${trust('vendor')}
${trust('other')}
resource "aws_iam_role" "third" {
  # trustgate:suppress cross-account-trust/external-account-without-external-id
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "arn:aws:iam::999988887777:root" } }] })
}
`;
    const inputs = [{ path: 'main.tf', text }];
    const { findings } = scanFiles(inputs, {}, [ruleById('cross-account-trust/external-account-without-external-id')!]);
    const collected = collectSuppressions(inputs);
    expect(collected.suppressions.map((s) => [s.line, s.resource])).toEqual([[1, 'aws_iam_role.vendor']]);
    expect(collected.problems.map((p) => p.line)).toEqual([17]);
    const outcome = applySuppressions(findings, collected.suppressions);
    expect(outcome.suppressed.map((s) => s.finding.resource)).toEqual(['aws_iam_role.vendor']);
    expect(outcome.remaining.map((f) => f.resource)).toEqual(['aws_iam_role.other', 'aws_iam_role.third']);
  });
});
