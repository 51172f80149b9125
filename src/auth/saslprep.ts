/**
 * SASLprep (RFC 4013) of user names and passwords, from the maintained `@mongodb-js/saslprep`
 * package (the one the MongoDB drivers use). A string SASLprep refuses (prohibited or unassigned
 * code points, bidi violations) throws a ScramError-free plain Error the callers turn into BadValue.
 */

/**
 * The package is loaded on first use: it inflates its code-point tables when imported (~35–60 ms of
 * CPU), and only creating a user or changing a password needs it — not a server's start.
 */
export async function saslprep(s: string): Promise<string> {
  const lib = (await import("@mongodb-js/saslprep")).default;
  return lib(s);
}
