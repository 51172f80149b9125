import assert from "node:assert/strict";
import { readmeBlocks } from "./readme_blocks.ts";

Deno.test("readmeBlocks: marked fences only, verbatim, blank lines allowed after the marker", () => {
  const md = [
    "text",
    "<!-- ci: a/x.js -->",
    "",
    "```js",
    "one();",
    "",
    "two();",
    "```",
    "```js",
    "unmarked();",
    "```",
    "<!-- ci: b/y.py -->",
    "```python",
    "print(1)",
    "```",
  ].join("\n");
  assert.deepEqual([...readmeBlocks(md)], [["a/x.js", "one();\n\ntwo();\n"], ["b/y.py", "print(1)\n"]]);
});

Deno.test("the README's ci blocks are all found", async () => {
  const blocks = readmeBlocks(await Deno.readTextFile(new URL("../../../README.md", import.meta.url)));
  for (
    const path of [
      "jest/global-setup.cjs",
      "vitest/orders.test.mjs",
      "python/test_readme.py",
      "deno/readme_test.ts",
    ]
  ) {
    assert.ok(blocks.has(path), path);
  }
});
