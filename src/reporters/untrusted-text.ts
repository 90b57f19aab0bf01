/**
 * Text a user wrote (a comment's command, a waiver or suppression reason, a path given to `--file`),
 * made safe to show in an app comment or a check run summary. The one helper every echo goes through.
 *
 * The result renders as the same characters, on one line, and can do nothing else: no HTML (so no
 * `<!--` marker, `<img onerror>` or `</details>`), no Markdown (links, images, emphasis, code spans
 * closed by a backtick, tables), no `@mention` or `@org/team` notification, and no `#123` or URL
 * autolink that GitHub would turn into a reference (`:` is written as an entity, so no URL autolinks).
 * Characters that only mean something at the start of a line (`-`, `+`, `1.`) are left: the text is
 * always one line placed after other text. It is never wrapped in a code span, because a code
 * span cannot be escaped from the inside.
 */
export function escapeUntrusted(text: string, maxLength = 300): string {
  // One line: a newline would let the text start a heading, a quote or a record of its own.
  let flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  if (flat.length > maxLength) flat = `${flat.slice(0, maxLength)}…`;
  let out = '';
  for (const char of flat) {
    if (char === '<') out += '&lt;';
    else if (char === '>') out += '&gt;';
    else if (char === '&') out += '&amp;';
    else if (char === '"') out += '&quot;';
    // A zero-width space after @ breaks every mention form (`@user`, `@org/team`); # likewise for references.
    else if (char === '@') out += '@\u200b';
    else if (char === ':') out += '&#58;';
    else if (/[\\`*_[\]()#!|~]/.test(char)) out += `\\${char}`;
    else out += char;
  }
  return out;
}

/**
 * A fenced code block around text that may hold anything (a configuration error quoting a file): the
 * fence is longer than any run of backticks inside, so the text cannot close it, and `<` is written as
 * a look-alike so the raw body never holds `<!--`.
 */
export function untrustedCodeBlock(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text.replace(/<!--/g, '<\u200b!--')}\n${fence}`;
}

/**
 * A code span for a name (a path, a rule id) when it holds only characters that are inert there; the
 * escaped plain text otherwise. Readable for the usual case, safe for the rest.
 */
export function codeOrEscaped(text: string, maxLength = 200): string {
  return text.length <= maxLength && /^[\w./:+-]+$/.test(text) ? `\`${text}\`` : escapeUntrusted(text, maxLength);
}

/**
 * Text from a template or a pull request (a finding's message naming a resource, a Sid, a parameter
 * value) for a field GitHub shows as plain text, such as an annotation's message: it renders nothing
 * there, but it must still not carry what another reader would act on. A `<!--` (the start of a record
 * marker) gets a zero-width space, and so does every `@` (no mention, should the text be copied into
 * Markdown). Newlines are kept.
 */
export function plainUntrusted(text: string): string {
  return text.replace(/<!--/g, '<\u200b!--').replace(/-->/g, '-\u200b->').replace(/@/g, '@\u200b');
}
