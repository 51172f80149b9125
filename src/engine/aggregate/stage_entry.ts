/** Splitting a stage document (`{$name: spec}`) with mongod's validation; shared by the pipeline and stages. */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isObj } from "../expression/compile.ts";

/** Splits one stage document into its name and argument, with mongod's validation. */
export function stageEntry(stage: unknown): [string, unknown] {
  if (!isObj(stage)) {
    throw new CommandError("TypeMismatch", "Each element of the 'pipeline' array must be an object");
  }
  const keys = Object.keys(stage);
  if (keys.length !== 1) {
    throw new CommandError(
      Location.StageSpecNotOneField,
      "A pipeline stage specification object must contain exactly one field.",
    );
  }
  const name = keys[0] as string;
  return [name, stage[name]];
}
