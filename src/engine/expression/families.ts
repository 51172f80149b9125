/**
 * families.ts — loads every operator family into the registry (side-effect imports). Imported by
 * `env.ts` and `mod.ts`, so any entry point that compiles expressions sees the full table.
 */
import "./ops_arithmetic.ts";
import "./ops_comparison.ts";
import "./ops_logical.ts";
import "./ops_conditional.ts";
import "./ops_variables.ts";
import "./ops_string.ts";
import "./ops_type.ts";
import "./ops_array.ts";
import "./ops_set.ts";
import "./ops_object.ts";
import "./ops_accumulator.ts";
import "./ops_date.ts";
import "./ops_date_math.ts";
import "./ops_meta.ts";
import "./ops_hash.ts";
import "./ops_array_n.ts";
import "./ops_bitwise_trig.ts";
import "./ops_bson.ts";
