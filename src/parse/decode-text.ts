/**
 * The text of a file's bytes as AWS tools would read it: UTF-8 (a byte order mark dropped), or UTF-16
 * when a byte order mark says so. Anything else is passed on as UTF-8; the parser refuses NUL bytes
 * (src/parse/parse-file.ts), so a binary or an unmarked UTF-16 file becomes a finding, never a skip.
 */
export function decodeFileBytes(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
}
