/**
 * ops_logical.ts — `$and $or $not` with mongod's truthiness (false, null, missing, undefined and
 * numeric zero are false; everything else, including "" and [], is true). `$and`/`$or` short-circuit.
 */
import { fixedArgs, variadicArgs } from "./compile.ts";
import { truthy } from "./numeric.ts";
import { registerOperators } from "./registry.ts";

registerOperators({
  $and: (arg, ctx) => {
    const args = variadicArgs(arg, ctx);
    return (cur, vars) => {
      for (const e of args) if (!truthy(e(cur, vars))) return false;
      return true;
    };
  },
  $or: (arg, ctx) => {
    const args = variadicArgs(arg, ctx);
    return (cur, vars) => {
      for (const e of args) if (truthy(e(cur, vars))) return true;
      return false;
    };
  },
  $not: (arg, ctx, op) => {
    const [a] = fixedArgs(op, arg, 1, ctx);
    const e = a!;
    return (cur, vars) => !truthy(e(cur, vars));
  },
});
