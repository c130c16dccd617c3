/**
 * Replaces one section of a markdown file (`## ` or deeper: it runs to the next heading of its level or
 * above), leaving the rest of the file as it is.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function replaceSection(markdown: string, heading: string, section: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === heading);
  const body = section.trimEnd().split('\n');
  if (start === -1) {
    const text = markdown.trimEnd();
    return `${text}${text ? '\n\n' : ''}${body.join('\n')}\n`;
  }
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const ends = new RegExp(`^#{1,${level}} `);
  let end = lines.findIndex((l, i) => i > start && ends.test(l));
  if (end === -1) end = lines.length;
  const after = lines.slice(end);
  return [...lines.slice(0, start), ...body, ...(after.length > 0 ? ['', ...after] : [''])].join('\n');
}

export function writeSection(file: string, heading: string, section: string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, replaceSection(current, heading, section));
}
