import { describe, expect, it } from 'vitest';
import { ruleById } from '../../src/engine/all-rules.js';
import { explainRule } from '../../src/waivers/help.js';

/** `/trustgate explain <rule>` names no file: a rule whose text reads differently in the two languages gives both, labelled. */
describe('/trustgate explain', () => {
  it('gives a fix that names properties in CloudFormation’s and Terraform’s words, labelled', () => {
    const reply = explainRule('imdsv2/instance-imds');
    expect(reply.ok).toBe(true);
    const lines = reply.text.split('\n');
    expect(lines).toContain(`**Why it matters:** ${ruleById('imdsv2/instance-imds')!.meta.why}`);
    expect(lines).toContain('**How to fix (CloudFormation):** Set MetadataOptions: {HttpTokens: required} on the instance (or HttpEndpoint: disabled when nothing on it reads instance metadata).');
    expect(lines).toContain('**How to fix (Terraform):** Set metadata_options { http_tokens = "required" } on the instance (or http_endpoint = "disabled" when nothing on it reads instance metadata).');
    expect(lines.some((line) => line.startsWith('**How to fix:**'))).toBe(false);
  });

  it('labels the why and the title where they differ too', () => {
    const lines = explainRule('pack/lambda-url-auth-none').text.split('\n');
    expect(lines[0]).toBe('**`pack/lambda-url-auth-none` — Lambda function URL without authentication** (resource-exposure, high by default)');
    expect(lines).toContain(`**Why it matters (CloudFormation):** ${ruleById('pack/lambda-url-auth-none')!.meta.why}`);
    expect(lines.find((line) => line.startsWith('**Why it matters (Terraform):**'))).toMatch(/with authorization_type NONE can be invoked/);
    expect(explainRule('pack/imds-http-tokens').text.split('\n')[0]).toBe(
      '**`pack/imds-http-tokens` — CloudFormation: Instance metadata answers IMDSv1 requests (HttpTokens not required) / Terraform: Instance metadata answers IMDSv1 requests (http_tokens not required)** (imdsv2, high by default)',
    );
  });

  it('reads as it always did for a rule whose text is the same in both languages', () => {
    const { meta } = ruleById('least-privilege/full-admin')!;
    const reply = explainRule('least-privilege/full-admin');
    expect(reply.text).toBe(
      [`**\`${meta.id}\` — ${meta.title}** (${meta.category}, ${meta.severity} by default)`, '', `**Why it matters:** ${meta.why}`, '', `**How to fix:** ${meta.fix}`, '', `Details and examples: ${reply.text.split('Details and examples: ')[1]}`].join('\n'),
    );
    expect(reply.text).not.toContain('(Terraform)');
  });
});
