import { SEVERITIES } from '../findings/severity.js';
import { GATE_MODES } from '../findings/baseline.js';
import type { ObjectSchema, Schema } from './schema-dsl.js';

/** Repository permission levels, weakest first, as GitHub's collaborator permission API names them. */
export const PERMISSION_LEVELS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

/** Where the app reads the configuration, relative to the repository root. */
export const CONFIG_PATH = '.github/trustgate.yml';

/** Published URL of the generated JSON Schema (schema/trustgate.schema.json in this repository). */
export const CONFIG_SCHEMA_ID = 'https://github.com/trustgate-dev/trustgate/raw/main/schema/trustgate.schema.json';

const severity = (description: string, fallback?: string): Schema => ({
  type: 'string',
  enum: SEVERITIES,
  description,
  ...(fallback !== undefined ? { default: fallback } : {}),
});

const globList = (description: string, examples: readonly string[]): Schema => ({
  type: 'array',
  items: { type: 'string', minLength: 1 },
  description,
  examples: [examples],
});

const ruleSetting: Schema = {
  description:
    'A rule turned off (`false` or `off`), on (`true` or `on`), given another severity (`medium`), or both as a mapping.',
  oneOf: [
    { type: 'boolean' },
    { type: 'string', enum: ['off', 'on', ...SEVERITIES] },
    {
      type: 'object',
      properties: {
        enabled: { type: 'boolean', description: 'false turns the rule off.', default: true },
        severity: severity('Severity given to every finding of this rule, whatever the rule would grade it.'),
      },
    },
  ],
};

/**
 * The `.github/trustgate.yml` schema: the single definition behind validation and the published JSON
 * Schema. Every key is optional; docs/configuration.md documents each one with an example.
 */
export const CONFIG_SCHEMA: ObjectSchema = {
  type: 'object',
  description: 'trustgate configuration (.github/trustgate.yml). Read from the default branch; see docs/configuration.md.',
  properties: {
    _extends: {
      type: 'string',
      description:
        'Inherit from another repository\'s configuration: `repo` or `owner/repo` (reads .github/trustgate.yml there) or `owner/repo:path/file.yml`. Keys here override the inherited ones.',
      pattern: '^(?:[A-Za-z\\d](?:[A-Za-z\\d]|-(?=[A-Za-z\\d])){0,38}/)?[-_.\\w]+(?::[-_./\\w]+\\.ya?ml)?$',
      patternMessage: 'is not `repo`, `owner/repo` or `owner/repo:path.yml`',
      examples: ['.github', 'my-org/security-config:trustgate/base.yml'],
    },
    allowExtendsFrom: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', pattern: '^[A-Za-z\\d](?:[A-Za-z\\d]|-(?=[A-Za-z\\d])){0,38}$', patternMessage: 'is not a GitHub user or organisation name' },
      description:
        'Owners (users or organisations) other than the repository\'s own whose configuration `_extends` may name. Honoured only in files of the repository\'s own owner; without it an `_extends` to another owner is refused.',
      examples: [['my-security-org']],
    },
    include: globList('Only files matching one of these globs (minimatch, from the repository root) are checked. Default: every file.', ['infra/**', 'templates/*.yaml']),
    exclude: globList('Files matching one of these globs are not checked, even when included.', ['test/fixtures/**', '**/*.example.json']),
    failOn: severity('Findings at or above this severity fail the check.', 'high'),
    gate: {
      type: 'string',
      enum: GATE_MODES,
      description:
        'What fails the check: `new` judges the change (only findings not on the base commit, or more severe than there, block; existing ones are listed and counted), `all` judges every finding of the changed files.',
      default: 'new',
    },
    reportOnly: {
      type: 'boolean',
      description: 'Report findings but never fail: the check concludes neutral instead of failure. For trying trustgate out.',
      default: false,
    },
    reportUnresolved: {
      type: 'boolean',
      description:
        'Report, at low, each identity statement or managed policy attachment whose actions, resources or document are only known at deployment (least-privilege/unresolved-grant). false silences this class for the repository.',
      default: true,
    },
    trustedAccounts: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', pattern: '^\\d{12}$', patternMessage: 'is not a 12-digit AWS account id (quote it if it starts with 0)' },
      description: 'AWS account ids that count as ours besides the template\'s own account.',
      examples: [['111122223333']],
    },
    organizationId: {
      type: 'string',
      pattern: '^o-[a-z0-9]{10,32}$',
      patternMessage: 'is not an AWS Organizations id (o- followed by 10 to 32 lowercase letters or digits)',
      description: 'The AWS Organizations id whose accounts are trusted.',
      examples: ['o-a1b2c3d4e5'],
    },
    allowedOidcSubjects: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      description: 'GitHub Actions OIDC `sub` patterns a role may trust (`*` matches any run of characters).',
      examples: [['repo:my-org/*:ref:refs/heads/main']],
    },
    scpPaths: globList('Policy files matching these globs are read as service control policies.', ['org/scps/*.json']),
    rules: {
      type: 'object',
      description: 'Per-rule settings by rule id (for example `imdsv2/launch-template-imds`). See docs/rules/.',
      properties: {},
      keyPattern: '^[a-z0-9-]+(/[a-z0-9-]+)*$',
      additionalProperties: ruleSetting,
    },
    accessAnalyzer: {
      type: 'object',
      description: 'IAM Access Analyzer checks through the AWS API, with the app\'s (or your) AWS credentials. See docs/access-analyzer.md.',
      properties: {
        enabled: { type: 'boolean', description: 'Run the Access Analyzer step after the offline scan.', default: false },
        region: {
          type: 'string',
          pattern: '^[a-z]{2}(-[a-z]+)+-\\d$',
          patternMessage: 'is not an AWS region such as us-east-1',
          description: 'AWS region of the APIs; default: the SDK\'s (AWS_REGION, profile).',
          examples: ['us-east-1'],
        },
        concurrency: { type: 'integer', minimum: 1, maximum: 32, description: 'Requests in flight at once.', default: 4 },
        timeoutMs: { type: 'integer', minimum: 100, maximum: 120000, description: 'Per-request timeout in milliseconds.', default: 10000 },
        resolveImports: { type: 'boolean', description: 'Resolve Fn::ImportValue through CloudFormation ListExports.', default: false },
        fetchManagedPolicies: { type: 'boolean', description: 'Fetch AWS managed policies unknown offline through IAM GetPolicy/GetPolicyVersion.', default: false },
        placeholderAccountId: {
          type: 'string',
          pattern: '^\\d{12}$',
          patternMessage: 'is not a 12-digit AWS account id',
          description: 'Put in place of AWS::AccountId when resolving policies.',
          default: '123456789012',
        },
        placeholderRegion: {
          type: 'string',
          pattern: '^[a-z]{2}(-[a-z]+)+-\\d$',
          patternMessage: 'is not an AWS region such as us-east-1',
          description: 'Put in place of AWS::Region when resolving policies.',
          default: 'us-east-1',
        },
        customChecks: {
          type: 'object',
          description: 'Paid custom policy checks, each off by default.',
          properties: {
            checkNoNewAccess: { type: 'boolean', description: 'CheckNoNewAccess of each changed policy against its version on the base branch.', default: false },
            checkNoPublicAccess: { type: 'boolean', description: 'CheckNoPublicAccess of each resource policy the API supports.', default: false },
            sensitiveActions: {
              type: 'array',
              items: { type: 'string', minLength: 1 },
              description: 'CheckAccessNotGranted: actions no policy may grant.',
              examples: [['iam:PassRole', 's3:PutBucketPolicy']],
            },
          },
        },
      },
    },
    inlineSuppressions: {
      type: 'object',
      description:
        'Suppressions written in the templates themselves (resource Metadata `trustgate.suppress`). They come with the pull request, so by default they only apply below high severity.',
      properties: {
        enabled: { type: 'boolean', description: 'false ignores every inline suppression.', default: true },
        maxSeverity: severity(
          'The most severe finding an inline suppression may silence; more severe findings show the suppression as a request for a waiver.',
          'medium',
        ),
      },
    },
    waivers: {
      type: 'object',
      description: 'Who may waive findings with `/trustgate waive`, and for how long.',
      properties: {
        enabled: { type: 'boolean', description: 'false turns waive/unwaive commands off.', default: true },
        permission: {
          type: 'string',
          enum: PERMISSION_LEVELS,
          description:
            'Minimum repository permission (collaborator permission API) needed to waive or unwaive. On a public or internal repository `read` counts as `triage`: GitHub answers read there for everyone, so it is not access anyone granted.',
          default: 'maintain',
        },
        teams: {
          type: 'array',
          uniqueItems: true,
          items: {
            type: 'string',
            pattern: '^(?:[A-Za-z\\d][-A-Za-z\\d]*/)?[a-z\\d][-_a-z\\d.]*$',
            patternMessage: 'is not a team slug (`security` or `my-org/security`)',
          },
          description: 'When set, the commenter must also be an active member of one of these teams (slugs in the repository owner\'s organisation).',
          examples: [['security', 'platform-leads']],
        },
        allowAuthor: { type: 'boolean', description: 'May the pull request\'s author waive its findings?', default: false },
        allowCommitters: { type: 'boolean', description: 'May someone who authored or committed a commit of the pull request waive its findings?', default: false },
        maxDays: {
          type: 'integer',
          minimum: 1,
          maximum: 3650,
          description: 'Longest a waiver may last, in days. When set, a waiver without --expires expires after this many days.',
          examples: [90],
        },
      },
    },
    customRules: {
      type: 'array',
      items: { opaque: true, description: 'A custom rule or rule pack reference; see docs/rule-packs.md.' },
      description: 'Custom rules (declarative rule packs), validated by the rule pack loader; see docs/rule-packs.md.',
    },
  },
};
