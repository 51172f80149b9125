/**
 * The README's runnable examples: every fenced code block preceded by `<!-- ci: PATH -->` (blank
 * lines between are allowed), keyed by PATH, with the block's text verbatim.
 */
export function readmeBlocks(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /<!-- ci: (\S+) -->\s*\n```[a-z]*\n([\s\S]*?)\n```/g;
  for (const m of markdown.matchAll(re)) {
    const [, path, body] = m;
    if (path === undefined || body === undefined) continue;
    if (out.has(path)) throw new Error(`README: two blocks for ${path}`);
    out.set(path, `${body}\n`);
  }
  return out;
}
