/**
 * Device-supplied strings (client ids, user names, topics, addresses) go into log lines only through
 * this: control characters, line and paragraph separators and backslashes are escaped, so a client id
 * cannot forge a log line or send codes to the operator's terminal; long strings are cut.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const MAX_CHARS = 200;

export function escapeForLog(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}…(${text.length} chars)` : text;
  return cut.replace(UNSAFE, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
