/**
 * `$convert`'s BinData conversions of MongoDB 8.0 through the Node driver: strings ↔ BinData in each
 * `format`, `to: {type: "binData", subtype}`, `$toString` of a UUID, `onError` catching a value's failure
 * but not a missing `format` (mongod's 4341115), and `base` (8.3) refused as an unknown argument.
 */
import assert from "node:assert/strict";
import { Binary, UUID } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { code as errorCode } from "./helpers/error_code.ts";

const UUID_TEXT = "867dee52-c331-484e-92d1-c56479b8e67e";
const RAW = Buffer.from("hn3uUsMxSE6S0cVkebjmfg==", "base64");

serverTest("$convert: strings and BinData in each format (8.0)", async (client) => {
  const c = client.db("t").collection<{ _id: number }>("c");
  await c.insertOne(
    { _id: 1, u: new UUID(UUID_TEXT), b: new Binary(RAW, 0), s: UUID_TEXT, e: "🙂😎" } as never,
  );
  const [r] = await c.aggregate([{
    $project: {
      _id: 0,
      toUuid: { $convert: { input: "$s", to: { type: "binData", subtype: 4 }, format: "uuid" } },
      fromHex: {
        $convert: { input: RAW.toString("hex"), to: { type: "binData", subtype: 0 }, format: "hex" },
      },
      fromUtf8: { $convert: { input: "$e", to: "binData", format: "utf8" } },
      uuidText: { $convert: { input: "$u", to: "string", format: "uuid" } },
      auto: { $convert: { input: "$b", to: "string", format: "auto" } },
      b64url: { $convert: { input: "$b", to: "string", format: "base64url" } },
      hex: { $convert: { input: "$b", to: "string", format: "hex" } },
      toString: { $toString: "$u" },
      same: { $convert: { input: "$u", to: { type: "binData", subtype: 4 } } },
      otherSubtype: { $convert: { input: "$u", to: "binData", onError: "refused" } },
      notUtf8: { $convert: { input: { $toUUID: "$s" }, to: "string", format: "utf8", onError: "refused" } },
    },
  }]).toArray();
  assert.ok(r);
  assert.equal((r.toUuid as Binary).sub_type, 4);
  assert.equal((r.toUuid as Binary).toUUID().toHexString(), UUID_TEXT);
  assert.deepEqual([...(r.fromHex as Binary).buffer], [...RAW]);
  assert.equal(Buffer.from((r.fromUtf8 as Binary).buffer).toString("utf8"), "🙂😎");
  assert.equal(r.uuidText, UUID_TEXT);
  assert.equal(r.auto, "hn3uUsMxSE6S0cVkebjmfg==");
  assert.equal(r.b64url, "hn3uUsMxSE6S0cVkebjmfg");
  assert.equal(r.hex, RAW.toString("hex").toUpperCase());
  assert.equal(r.toString, UUID_TEXT);
  assert.equal((r.same as Binary).sub_type, 4);
  assert.equal(r.otherSubtype, "refused");
  assert.equal(r.notUtf8, "refused");

  const code = (expr: unknown) => errorCode(c.aggregate([{ $project: { x: expr } }]).toArray());
  assert.equal(await code({ $convert: { input: "$b", to: "string" } }), 4341115);
  assert.equal(await code({ $convert: { input: "$b", to: "string", onError: 0 } }), 4341115);
  assert.equal(await code({ $convert: { input: "$b", to: "string", format: "b64" } }), 4341125);
  assert.equal(
    await code({ $convert: { input: "$s", to: { type: "binData", subtype: 4 }, format: "hex" } }),
    241,
  );
  assert.equal(
    await code({ $convert: { input: "$s", to: { type: "binData", subtype: 127 }, format: "hex" } }),
    4341107,
  );
  assert.equal(await code({ $convert: { input: "10", to: "int", base: 2 } }), 9);
});
