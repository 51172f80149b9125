/**
 * Project lint rules (`deno lint`, wired in deno.json's `lint.plugins`).
 *
 * `secantus/no-request-context-spread`: in `src/commands/`, an object spread of a request context
 * (`{...ctx}`) is refused. A request context keeps the server's services on its prototype
 * (`commands/context.ts` `newRequestContext`), and a spread copies own fields only, so the copy silently
 * lacks `storage`, `catalog`, `log`… with no type error. `deriveContext(ctx, changes)` is the spread that
 * keeps them. A context is recognised by its name (`ctx`, `context`, `rctx`, `reqCtx`), as these files
 * name them.
 */
const CONTEXT_NAMES = new Set(["ctx", "context", "rctx", "reqCtx"]);

const plugin: Deno.lint.Plugin = {
  name: "secantus",
  rules: {
    "no-request-context-spread": {
      create(context) {
        if (!context.filename.includes("/src/commands/")) return {};
        return {
          SpreadElement(node) {
            const arg = node.argument;
            if (arg.type !== "Identifier" || !CONTEXT_NAMES.has(arg.name)) return;
            if (node.parent.type !== "ObjectExpression") return;
            context.report({
              node,
              message:
                `spreading \`${arg.name}\` drops a request context's services (they live on its prototype)`,
              hint: "use deriveContext(ctx, changes) from commands/context.ts",
            });
          },
        };
      },
    },
  },
};
export default plugin;
