/**
 * SASLprep (RFC 4013) of user names and passwords, from the maintained `@mongodb-js/saslprep`
 * package (the one the MongoDB drivers use). A string SASLprep refuses (prohibited or unassigned
 * code points, bidi violations) throws a ScramError-free plain Error the callers turn into BadValue.
 */
import saslprepLib from "@mongodb-js/saslprep";

export function saslprep(s: string): string {
  return saslprepLib(s);
}
