/**
 * ops_hash.ts — `$toHashedIndexKey`: mongod's hashed-index hash of the argument's value (an int64),
 * the same function hashed indexes use (keys/hashed_key.ts).
 */
import { hashedValue } from "../../keys/hashed_key.ts";
import { compileExpression } from "./compile.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

function compileToHashedIndexKey(arg: unknown, ctx: ExprContext): Evaluator {
  const inner = compileExpression(arg, ctx);
  return (cur, vars) => hashedValue(inner(cur, vars) ?? null);
}

registerOperators({ $toHashedIndexKey: compileToHashedIndexKey });
