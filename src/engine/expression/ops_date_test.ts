import assert from "node:assert/strict";
import { Long, ObjectId } from "bson";
import { evaluateExpression as ev } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";

const d = new Date(Date.UTC(2024, 0, 7, 23, 4, 5, 6)); // a Sunday
const doc = { d };

Deno.test("date parts in UTC and time zones", () => {
  assert.equal(ev({ $year: "$d" }, doc), 2024);
  assert.equal(ev({ $month: "$d" }, doc), 1);
  assert.equal(ev({ $dayOfMonth: "$d" }, doc), 7);
  assert.equal(ev({ $hour: "$d" }, doc), 23);
  assert.equal(ev({ $minute: "$d" }, doc), 4);
  assert.equal(ev({ $second: "$d" }, doc), 5);
  assert.equal(ev({ $millisecond: "$d" }, doc), 6);
  assert.equal(ev({ $dayOfWeek: "$d" }, doc), 1);
  assert.equal(ev({ $dayOfYear: "$d" }, doc), 7);
  assert.equal(ev({ $week: "$d" }, doc), 1);
  assert.equal(ev({ $isoWeek: "$d" }, doc), 1);
  assert.equal(ev({ $isoDayOfWeek: "$d" }, doc), 7);
  assert.equal(ev({ $hour: { date: "$d", timezone: "+02:00" } }, doc), 1);
  assert.equal(ev({ $dayOfMonth: { date: "$d", timezone: "Europe/Paris" } }, doc), 8);
  assert.equal(ev({ $hour: { date: "$d", timezone: "America/New_York" } }, doc), 18);
  assert.equal(ev({ $year: "$missing" }, doc), null);
  assertCommandError(() => ev({ $year: "x" }, doc), 16006);
  assertCommandError(() => ev({ $year: { date: "$d", timezone: "Mars/Base" } }, doc), 40485);
  const oid = ObjectId.createFromTime(86400);
  assert.equal(ev({ $dayOfMonth: oid }, {}), 2);
});

Deno.test("$dateToString / $dateToParts / $dateFromParts / $dateFromString", () => {
  assert.equal(ev({ $dateToString: { date: "$d" } }, doc), "2024-01-07T23:04:05.006Z");
  assert.equal(
    ev({ $dateToString: { date: "$d", format: "%Y/%m/%d %H:%M %j %%" } }, doc),
    "2024/01/07 23:04 007 %",
  );
  assert.equal(ev({ $dateToString: { date: "$d", format: "%H %z", timezone: "-05:00" } }, doc), "18 -0500");
  assert.equal(ev({ $dateToString: { date: "$missing", onNull: "none" } }, doc), "none");
  assertCommandError(() => ev({ $dateToString: { date: "$d", format: "%Q" } }, doc), 18536);
  assert.deepEqual(ev({ $dateToParts: { date: "$d" } }, doc), {
    year: 2024,
    month: 1,
    day: 7,
    hour: 23,
    minute: 4,
    second: 5,
    millisecond: 6,
  });
  assert.deepEqual(
    ev(
      { $dateFromParts: { year: 2024, month: 1, day: 7, hour: 23, minute: 4, second: 5, millisecond: 6 } },
      {},
    ),
    d,
  );
  assert.deepEqual(
    ev({ $dateFromParts: { year: 2024, month: 14, day: 1 } }, {}),
    new Date(Date.UTC(2025, 1, 1)),
  );
  assert.deepEqual(ev({ $dateFromString: { dateString: "2024-01-07T23:04:05.006Z" } }, {}), d);
  assert.deepEqual(
    ev({ $dateFromString: { dateString: "2024-01-08T00:04:05.006", timezone: "+01:00" } }, {}),
    d,
  );
  assert.deepEqual(
    ev({ $dateFromString: { dateString: "07/01/2024", format: "%d/%m/%Y" } }, {}),
    new Date(Date.UTC(2024, 0, 7)),
  );
  assert.equal(ev({ $dateFromString: { dateString: "nope", onError: "bad" } }, {}), "bad");
  assertCommandError(() => ev({ $dateFromString: { dateString: "nope" } }, {}), "ConversionFailure");
});

Deno.test("$dateAdd / $dateSubtract / $dateDiff / $dateTrunc", () => {
  const jan31 = new Date(Date.UTC(2024, 0, 31, 12));
  assert.deepEqual(
    ev({ $dateAdd: { startDate: jan31, unit: "month", amount: 1 } }, {}),
    new Date(Date.UTC(2024, 1, 29, 12)),
  );
  assert.deepEqual(
    ev({ $dateAdd: { startDate: jan31, unit: "hour", amount: 12 } }, {}),
    new Date(Date.UTC(2024, 1, 1)),
  );
  assert.deepEqual(
    ev({ $dateSubtract: { startDate: jan31, unit: "day", amount: 31 } }, {}),
    new Date(Date.UTC(2023, 11, 31, 12)),
  );
  assert.deepEqual(
    ev({
      $dateDiff: {
        startDate: new Date(Date.UTC(2023, 11, 31, 23)),
        endDate: new Date(Date.UTC(2024, 0, 1, 1)),
        unit: "year",
      },
    }, {}),
    Long.fromNumber(1),
  );
  assert.deepEqual(
    ev({ $dateDiff: { startDate: jan31, endDate: d, unit: "day" } }, doc),
    Long.fromNumber(-24),
  );
  assert.deepEqual(
    ev({ $dateDiff: { startDate: new Date(Date.UTC(2024, 0, 6)), endDate: d, unit: "week" } }, doc),
    Long.fromNumber(1),
  );
  assert.deepEqual(ev({ $dateTrunc: { date: "$d", unit: "day" } }, doc), new Date(Date.UTC(2024, 0, 7)));
  assert.deepEqual(ev({ $dateTrunc: { date: "$d", unit: "month" } }, doc), new Date(Date.UTC(2024, 0, 1)));
  assert.deepEqual(
    ev({ $dateTrunc: { date: "$d", unit: "hour", binSize: 6 } }, doc),
    new Date(Date.UTC(2024, 0, 7, 18)),
  );
  assert.deepEqual(ev({ $dateTrunc: { date: "$d", unit: "week" } }, doc), new Date(Date.UTC(2024, 0, 7)));
  assertCommandError(() => ev({ $dateAdd: { startDate: "$d", unit: "fortnight", amount: 1 } }, doc), 5439014);
});
