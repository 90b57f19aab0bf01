import type { Named, Vocabulary } from './vocabulary.js';

/**
 * Text written once for every language, with placeholders the vocabulary of the document renders
 * (src/model/vocabulary.ts): a rule pack's messages and fixes (docs/rule-packs.md, "Wording"). Rules in
 * TypeScript call the vocabulary directly; this is the same for text that lives in data.
 *
 * | Placeholder | CloudFormation | Terraform |
 * | --- | --- | --- |
 * | `{{property:MetadataOptions.HttpTokens}}` | `MetadataOptions.HttpTokens` | `metadata_options.http_tokens` |
 * | `{{field:MetadataOptions.HttpTokens}}` | `HttpTokens` | `http_tokens` |
 * | `{{setting:HttpTokens=required}}` | `HttpTokens: required` | `http_tokens = "required"` |
 * | `{{document}}`, `{{deployer}}`, `{{conditional}}`, `{{noValue}}` | `template`, `CloudFormation`, `Fn::If`, `AWS::NoValue` | `module`, `Terraform`, `a conditional expression`, `null` |
 * | `{{cloudformation: LoginProfile \| terraform: aws_iam_user_login_profile}}` | `LoginProfile` | `aws_iam_user_login_profile` |
 *
 * Paths are the model's (CloudFormation's property paths below `Properties`) and are spelled for the
 * resource the text is about, when there is one. In the alternatives, a language not listed reads the
 * first one.
 */
export const WORDING_LANGUAGES = ['cloudformation', 'terraform'] as const satisfies readonly Vocabulary['language'][];

/** A `{{…}}` placeholder, its name in group 1 (wording placeholders and a rule pack's own `{{value}}` alike). */
export const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WORDS = ['document', 'deployer', 'conditional', 'noValue'] as const;
const PATH = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*$/;

type Parsed =
  | { kind: 'property' | 'field'; path: string }
  | { kind: 'setting'; path: string; value: string }
  | { kind: 'word'; word: (typeof WORDS)[number] }
  | { kind: 'alternatives'; texts: Map<string, string> };

/**
 * What a placeholder's name (the text between `{{` and `}}`) says: a wording placeholder, an error (it
 * looks like one, with the form wrong), or `undefined` when it is none (a rule pack's own `{{value}}`).
 */
export function parseWording(name: string): Parsed | { error: string } | undefined {
  if ((WORDS as readonly string[]).includes(name)) return { kind: 'word', word: name as (typeof WORDS)[number] };
  const prefixed = /^(property|field|setting)\s*:\s*(.*)$/s.exec(name);
  if (prefixed !== null) {
    const kind = prefixed[1] as 'property' | 'field' | 'setting';
    const rest = prefixed[2]!.trim();
    if (kind === 'setting') {
      const equals = rest.indexOf('=');
      const path = equals < 0 ? rest : rest.slice(0, equals).trim();
      const value = equals < 0 ? '' : rest.slice(equals + 1).trim();
      if (equals < 0 || !PATH.test(path) || value === '') return { error: `{{setting:${rest}}} must be {{setting:Property.Path=value}}` };
      return { kind, path, value };
    }
    if (!PATH.test(rest)) return { error: `{{${kind}:${rest}}} must name a property path such as MetadataOptions.HttpTokens` };
    return { kind, path: rest };
  }
  const language = /^([a-z]+)\s*:/.exec(name)?.[1];
  if (language === undefined || !(WORDING_LANGUAGES as readonly string[]).includes(language)) return undefined;
  const texts = new Map<string, string>();
  for (const part of name.split('|')) {
    const alternative = /^\s*([a-z]+)\s*:([\s\S]*)$/.exec(part);
    const named = alternative?.[1];
    if (named === undefined || !(WORDING_LANGUAGES as readonly string[]).includes(named)) {
      return { error: `each alternative of {{${name.replace(/\s+/g, ' ').slice(0, 60)}}} must start with a language (${WORDING_LANGUAGES.join(', ')}) and a colon` };
    }
    if (texts.has(named)) return { error: `{{${name.replace(/\s+/g, ' ').slice(0, 60)}}} names ${named} twice` };
    texts.set(named, alternative![2]!.trim().replace(/\s+/g, ' '));
  }
  return { kind: 'alternatives', texts };
}

/** A parsed placeholder in the words of `vocabulary`, for `resource` (its logical id or address) when the text is about one. */
function wordOf(parsed: Parsed, vocabulary: Vocabulary, resource: Named | string): string {
  switch (parsed.kind) {
    case 'property':
      return vocabulary.property(resource, parsed.path);
    case 'field':
      return vocabulary.field(resource, parsed.path);
    case 'setting':
      return vocabulary.setting(vocabulary.field(resource, parsed.path), parsed.value);
    case 'word':
      return vocabulary[parsed.word];
    case 'alternatives':
      return parsed.texts.get(vocabulary.language) ?? [...parsed.texts.values()][0]!;
  }
}

/** The wording placeholder `name` rendered, or `undefined` when `name` is not one (or not a well-formed one). */
export function renderWordingPlaceholder(name: string, vocabulary: Vocabulary, resource: Named | string = ''): string | undefined {
  const parsed = parseWording(name);
  return parsed === undefined || 'error' in parsed ? undefined : wordOf(parsed, vocabulary, resource);
}

/** `template` with its wording placeholders rendered; any other `{{…}}` is left as written. */
export function renderWording(template: string, vocabulary: Vocabulary, resource: Named | string = ''): string {
  if (!template.includes('{{')) return template;
  return template.replace(PLACEHOLDER, (whole, name: string) => renderWordingPlaceholder(name, vocabulary, resource) ?? whole);
}

/** The errors of the wording placeholders of `template` (those that look like one and are not well formed). */
export function wordingErrors(template: string): string[] {
  const errors: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const parsed = parseWording(match[1]!);
    if (parsed !== undefined && 'error' in parsed) errors.push(parsed.error);
  }
  return errors;
}
