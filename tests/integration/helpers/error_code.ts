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

/** The server error a driver call fails with; throws when it succeeds or fails otherwise. */
export async function serverError(p: Promise<unknown>): Promise<MongoServerError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof MongoServerError) return e;
    throw e;
  }
  throw new Error("expected the server to refuse the command");
}
