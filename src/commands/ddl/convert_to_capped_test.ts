import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { Long } from "bson";
import { ErrorCode } from "../../errors/codes.ts";
import { parseConvertToCapped } from "./convert_to_capped.ts";
import { parseCloneCollectionAsCapped } from "./clone_collection_as_capped.ts";

Deno.test("convertToCapped: size is read as mongod's safeNumberLong; 0 or missing is 72", () => {
  assertEquals(parseConvertToCapped({ convertToCapped: "c", size: 4096.7 }), { collection: "c", size: 4096 });
  assertEquals(parseConvertToCapped({ convertToCapped: "c", size: Long.fromNumber(10) }).size, 10);
  for (const size of [undefined, 0, "4096", null, 0.5]) {
    throws(() => parseConvertToCapped({ convertToCapped: "c", size }), {
      code: ErrorCode.InvalidOptions,
      message: "invalid command spec",
    });
  }
  throws(() => parseConvertToCapped({ convertToCapped: 1, size: 10 }), { code: ErrorCode.InvalidNamespace });
});

Deno.test("cloneCollectionAsCapped: names must be valid strings, temp is a truth value", () => {
  assertEquals(
    parseCloneCollectionAsCapped({ cloneCollectionAsCapped: "a", toCollection: "b", size: 5, temp: 1 }),
    {
      from: "a",
      to: "b",
      size: 5,
      temp: true,
    },
  );
  throws(() => parseCloneCollectionAsCapped({ cloneCollectionAsCapped: "a", size: 5 }), {
    code: ErrorCode.TypeMismatch,
    message: "'toCollection' must be of type String",
  });
  throws(() => parseCloneCollectionAsCapped({ cloneCollectionAsCapped: 2, toCollection: "b", size: 5 }), {
    code: ErrorCode.TypeMismatch,
    message: "'cloneCollectionAsCapped' must be of type String",
  });
  throws(() => parseCloneCollectionAsCapped({ cloneCollectionAsCapped: "a", toCollection: "", size: 5 }), {
    code: ErrorCode.InvalidNamespace,
    message: "Invalid target collection name: ",
  });
  throws(() => parseCloneCollectionAsCapped({ cloneCollectionAsCapped: "a", toCollection: "b" }), {
    code: ErrorCode.InvalidOptions,
  });
});
