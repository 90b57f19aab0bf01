/**
 * The syntax tree HCL (Terraform) is read into, with character offsets (UTF-16, as SourceFile counts
 * them) on every node. Two readers build it: the direct reader (hcl-direct.ts), for files it can read
 * with certainty, and tree-sitter (hcl.ts), for the rest and for every syntax error.
 */

export interface Span {
  start: number;
  end: number;
}

export type Expr =
  | (Span & { t: 'lit'; value: string | number | boolean | null })
  | (Span & { t: 'template'; parts: TemplatePart[]; heredoc: boolean; directive: boolean })
  | (Span & { t: 'tuple'; items: Expr[] })
  | (Span & { t: 'object'; entries: { key: Expr; value: Expr }[] })
  | (Span & { t: 'var'; name: string })
  | (Span & { t: 'attr'; object: Expr; name: string })
  | (Span & { t: 'index'; object: Expr; key: Expr })
  | (Span & { t: 'splat'; object: Expr })
  | (Span & { t: 'call'; name: string; args: Expr[] })
  | (Span & { t: 'cond'; condition: Expr; whenTrue: Expr; whenFalse: Expr })
  | (Span & { t: 'binary'; op: string; left: Expr; right: Expr })
  | (Span & { t: 'unary'; op: string; operand: Expr })
  /**
   * `[for k, v in coll : value if cond]` (`object` false) or `{for k, v in coll : key => value... if cond}`;
   * `keyVar` is set when two symbols are declared, `group` for the `...` form.
   */
  | (Span & { t: 'for'; object: boolean; keyVar?: string; valueVar: string; collection: Expr; key?: Expr; value: Expr; group: boolean; cond?: Expr })
  | (Span & { t: 'error' });

/**
 * A piece of a string template: literal text (unescaped; whitespace a `~` strip marker removes is left
 * out), an interpolated expression, or a `%{ for }` / `%{ if }` directive with the parts inside it.
 */
export type TemplatePart =
  | (Span & { t: 'text'; text: string })
  | (Span & { t: 'interp'; expr: Expr })
  | (Span & { t: 'for'; keyVar?: string; valueVar: string; collection: Expr; body: TemplatePart[] })
  | (Span & { t: 'if'; condition: Expr; then: TemplatePart[]; else: TemplatePart[] });

export interface Attribute extends Span {
  name: string;
  nameSpan: Span;
  expr: Expr;
}

export interface Block extends Span {
  type: string;
  typeSpan: Span;
  labels: (Span & { value: string })[];
  body: Body;
  /** The block, or something inside it, did not parse: it is not judged. */
  hasError: boolean;
}

export interface Body {
  attributes: Attribute[];
  blocks: Block[];
}

export interface SyntaxProblem extends Span {
  message: string;
}

export type HclResult = { ok: true; body: Body; problems: SyntaxProblem[] } | { ok: false; problem: SyntaxProblem };

/** Escapes of a quoted HCL string, plus the template escapes `$${` and `%%{`. */
export function unescapeQuoted(raw: string): string {
  if (!raw.includes('\\') && !raw.includes('$${') && !raw.includes('%%{')) return raw;
  return unescapeTemplateMarks(
    raw.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, escape: string) => {
      switch (escape[0]) {
        case 'n':
          return '\n';
        case 'r':
          return '\r';
        case 't':
          return '\t';
        case 'u':
        case 'U':
          return String.fromCodePoint(parseInt(escape.slice(1), 16));
        default:
          return escape;
      }
    }),
  );
}

export function unescapeTemplateMarks(raw: string): string {
  return raw.replaceAll('$${', '${').replaceAll('%%{', '%{');
}

/**
 * The literal text of a template between two interpolations or directives, as written in the source
 * (`raw`): unescaped, less the whitespace a `~` strip marker before it (`stripLeading`) or after it
 * (`stripTrailing`) removes.
 */
export function templateText(raw: string, heredoc: boolean, stripLeading: boolean, stripTrailing: boolean): string {
  let text = heredoc ? unescapeTemplateMarks(raw) : unescapeQuoted(raw);
  if (stripLeading) text = text.replace(/^\s+/, '');
  if (stripTrailing) text = text.replace(/\s+$/, '');
  return text;
}
