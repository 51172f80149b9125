/**
 * mongod's retryable error codes (its isRetriableError list): a retryable write failing with one is
 * labelled RetryableWriteError, and a change stream's command failing with one (or with
 * RetryChangeStream) is labelled ResumableChangeStreamError, so drivers retry or resume. One table
 * for both. Pure.
 */
import { ErrorCode } from "./codes.ts";

export const RETRYABLE_CODES: ReadonlySet<number> = new Set(
  ([
    "HostUnreachable",
    "HostNotFound",
    "NetworkTimeout",
    "ShutdownInProgress",
    "FailedToSatisfyReadPreference",
    "PrimarySteppedDown",
    "ExceededTimeLimit",
    "SocketException",
    "NotWritablePrimary",
    "InterruptedAtShutdown",
    "InterruptedDueToReplStateChange",
    "NotPrimaryNoSecondaryOk",
    "NotPrimaryOrSecondary",
    "OBSOLETE_StaleShardVersion",
    "StaleEpoch",
    "StaleConfig",
  ] as const).map((n) => ErrorCode[n]),
);

/** Codes that make a change stream resumable (the change-streams specification's list). */
export const RESUMABLE_CHANGE_STREAM_CODES: ReadonlySet<number> = new Set([
  ...RETRYABLE_CODES,
  ErrorCode.RetryChangeStream,
]);
