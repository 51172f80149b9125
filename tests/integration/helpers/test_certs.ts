/**
 * Test certificates made at test time with `openssl` (never committed): a CA, a server certificate
 * for localhost/127.0.0.1, a client certificate (extendedKeyUsage clientAuth) with a multi-RDN
 * subject, and a second, foreign CA with its own client certificate. Files go to a temp directory
 * the caller removes.
 */
export interface TestCerts {
  readonly dir: string;
  readonly caFile: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Client certificate + key in one PEM (the driver's tlsCertificateKeyFile). */
  readonly clientPem: string;
  /** The client certificate's subject in RFC 2253 form (MONGODB-X509 user name). */
  readonly clientSubject: string;
  readonly foreignCaFile: string;
  readonly foreignClientPem: string;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
}

/** A CA (`<name>.pem`, `<name>.key`) in `dir`. */
export async function makeCa(dir: string, name: string, cn: string): Promise<void> {
  await openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=${cn}`,
  );
}

/** A certificate `<name>.pem` / `<name>.key` signed by CA `<ca>`, with extensions `ext`. */
export async function makeCert(
  dir: string,
  name: string,
  ca: string,
  subj: string,
  ext: string,
): Promise<void> {
  await openssl(
    dir,
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    subj,
  );
  await Deno.writeTextFile(`${dir}/${name}.ext`, ext + "\n");
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.pem`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  );
}

export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await Deno.makeTempDir({ prefix: "secantus-tls-" });
  await makeCa(dir, "ca", "Secantus Test CA");
  await makeCert(dir, "server", "ca", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
  await makeCert(dir, "client", "ca", "/C=US/O=Secantus/OU=Tests/CN=client1", "extendedKeyUsage=clientAuth");
  await makeCa(dir, "foreign", "Foreign CA");
  await makeCert(dir, "intruder", "foreign", "/CN=intruder", "extendedKeyUsage=clientAuth");
  const cat = async (out: string, ...files: string[]) =>
    await Deno.writeTextFile(
      `${dir}/${out}`,
      (await Promise.all(files.map((f) => Deno.readTextFile(`${dir}/${f}`)))).join(""),
    );
  await cat("client-combined.pem", "client.pem", "client.key");
  await cat("intruder-combined.pem", "intruder.pem", "intruder.key");
  return {
    dir,
    caFile: `${dir}/ca.pem`,
    serverCert: `${dir}/server.pem`,
    serverKey: `${dir}/server.key`,
    clientPem: `${dir}/client-combined.pem`,
    clientSubject: "CN=client1,OU=Tests,O=Secantus,C=US",
    foreignCaFile: `${dir}/foreign.pem`,
    foreignClientPem: `${dir}/intruder-combined.pem`,
  };
}
