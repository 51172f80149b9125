/** The server error code a driver call fails with (undefined when it succeeds; other errors rethrown). */
import { MongoServerError } from "mongodb";

export async function code(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (e instanceof MongoServerError) return e.code as number;
    throw e;
  }
}
