/**
 * The `client` document of a connection's first hello (driver, os, application, …), checked as mongod
 * checks it before keeping it for currentOp and logs: sent once per connection (186), at most 1 KiB to
 * be parsed and 512 bytes from an external client (185), `driver.name` / `driver.version` / `os.type`
 * strings present (183 / 14), `application.name` a string of at most 128 bytes (184). Extra fields are
 * allowed. One deliberate difference (tests/diff/README.md, diff 12): an empty document is accepted —
 * the Node driver 7.6+ sends `client: {}` when it runs under Jest, which mongod refuses (183), and Jest
 * suites are our users'.
 */
import { calculateObjectSize } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import type { Doc } from "../reply.ts";

const MAX_BYTES = 512;
const MAX_PARSED_BYTES = 1024;
const MAX_APP_NAME_BYTES = 128;
const enc = new TextEncoder();

function subDocument(meta: Doc, name: string): Doc | undefined {
  const v = meta[name];
  if (v === undefined) return undefined;
  if (!isPlainDoc(v)) {
    throw new CommandError(
      "TypeMismatch",
      `The '${name}' field is required to be a BSON document in the client metadata document`,
    );
  }
  return v;
}

function stringField(sub: Doc, parent: string, name: string, required: boolean): void {
  const v = sub[name];
  if (v === undefined) {
    if (!required) return;
    throw new CommandError(
      "ClientMetadataMissingField",
      `Missing required field '${parent}.${name}' in the client metadata document`,
    );
  }
  if (typeof v !== "string") {
    throw new CommandError(
      "TypeMismatch",
      `The '${parent}.${name}' field must be a string in the client metadata document`,
    );
  }
}

/**
 * Throws mongod's error when hello's `client` may not be kept: `alreadySet` when the connection sent
 * one before.
 */
export function checkClientMetadata(meta: Doc, alreadySet: boolean): void {
  if (alreadySet) {
    throw new CommandError(
      "ClientMetadataCannotBeMutated",
      "The client metadata document may only be sent in the first hello",
    );
  }
  if (Object.keys(meta).length === 0) return;
  // mongod parses the document (a 1 KiB bound first, then its fields), then holds a client to 512 bytes
  const size = calculateObjectSize(meta);
  if (size > MAX_PARSED_BYTES) {
    throw new CommandError(
      "ClientMetadataDocumentTooLarge",
      `The client metadata document must be less then or equal to ${MAX_PARSED_BYTES} bytes`,
    );
  }
  const app = subDocument(meta, "application");
  if (app) {
    stringField(app, "application", "name", false);
    const name = app["name"];
    if (typeof name === "string" && enc.encode(name).length > MAX_APP_NAME_BYTES) {
      throw new CommandError(
        "ClientMetadataAppNameTooLarge",
        `The 'application.name' field must be less then or equal to ${MAX_APP_NAME_BYTES} bytes in the client metadata document`,
      );
    }
  }
  const driver = subDocument(meta, "driver");
  if (driver) {
    stringField(driver, "driver", "name", true);
    stringField(driver, "driver", "version", true);
  }
  const os = subDocument(meta, "os");
  if (os) stringField(os, "os", "type", true);
  for (const [name, sub] of [["driver", driver], ["os", os]] as const) {
    if (!sub) {
      throw new CommandError(
        "ClientMetadataMissingField",
        `Missing required sub-document '${name}' in the client metadata document`,
      );
    }
  }
  if (size > MAX_BYTES) {
    throw new CommandError(
      "ClientMetadataDocumentTooLarge",
      `The client metadata document must be less than or equal to ${MAX_BYTES} bytes`,
    );
  }
}
