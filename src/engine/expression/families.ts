/**
 * families.ts — loads every operator family into the registry (side-effect imports). Imported by
 * `env.ts` and `mod.ts`, so any entry point that compiles expressions sees the full table.
 */
import "./ops_arithmetic.ts";
import "./ops_comparison.ts";
import "./ops_logical.ts";
import "./ops_conditional.ts";
import "./ops_variables.ts";
