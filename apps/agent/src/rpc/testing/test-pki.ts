// A throwaway PKI made with the openssl CLI for mTLS tests: a CA, a server certificate for
// 127.0.0.1/localhost, client certificates, a revoked one with its CRL, and a second, foreign CA.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Pem {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

export interface TestPki {
  dir: string;
  caPath: string;
  ca: string;
  crlPath: string;
  server: Pem;
  client: Pem;
  revokedClient: Pem;
  foreignClient: Pem;
}

function openssl(cwd: string, args: string[]): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function makeCa(dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "crlnumber"), "1000\n");
  writeFileSync(
    join(dir, "ca.cnf"),
    [
      "[ca]", "default_ca = test_ca",
      "[test_ca]", `dir = ${dir}`, "database = $dir/index.txt", "new_certs_dir = $dir", "serial = $dir/serial",
      "crlnumber = $dir/crlnumber", "certificate = $dir/ca.crt", "private_key = $dir/ca.key", "default_md = sha256",
      "default_days = 2", "default_crl_days = 2", "policy = any", "copy_extensions = copy", "unique_subject = no",
      "[any]", "commonName = supplied",
    ].join("\n") + "\n",
  );
  openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", `/CN=${name}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  writeFileSync(join(dir, "serial"), "01\n");
}

function issue(caDir: string, name: string, ext: string): Pem {
  const keyPath = join(caDir, `${name}.key`);
  const certPath = join(caDir, `${name}.crt`);
  openssl(caDir, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyPath, "-out", `${name}.csr`, "-subj", `/CN=${name}`, "-addext", ext]);
  openssl(caDir, ["ca", "-batch", "-config", "ca.cnf", "-in", `${name}.csr`, "-out", certPath, "-notext"]);
  return { certPath, keyPath, cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") };
}

/** `serverAltNames`: the server certificate's subjectAltName (default: 127.0.0.1 and localhost). */
export function makeTestPki(serverAltNames = "IP:127.0.0.1,DNS:localhost"): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "sysward-pki-"));
  const caDir = join(dir, "ca");
  const otherDir = join(dir, "other-ca");
  makeCa(caDir, "Sysward Test CA");
  makeCa(otherDir, "Some Other CA");
  const server = issue(caDir, "agent", `subjectAltName=${serverAltNames}`);
  const client = issue(caDir, "console", "extendedKeyUsage=clientAuth");
  const revokedClient = issue(caDir, "revoked-console", "extendedKeyUsage=clientAuth");
  const foreignClient = issue(otherDir, "foreign-console", "extendedKeyUsage=clientAuth");
  openssl(caDir, ["ca", "-batch", "-config", "ca.cnf", "-revoke", revokedClient.certPath]);
  openssl(caDir, ["ca", "-batch", "-config", "ca.cnf", "-gencrl", "-out", "ca.crl"]);
  return {
    dir,
    caPath: join(caDir, "ca.crt"),
    ca: readFileSync(join(caDir, "ca.crt"), "utf8"),
    crlPath: join(caDir, "ca.crl"),
    server,
    client,
    revokedClient,
    foreignClient,
  };
}

/** The agent settings for a TCP listener on a free loopback port with this PKI (mTLS), CRL included. */
export function mtlsListenEnv(pki: TestPki, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SYSWARD_LISTEN: "127.0.0.1:0",
    SYSWARD_TLS_CERT: pki.server.certPath,
    SYSWARD_TLS_KEY: pki.server.keyPath,
    SYSWARD_TLS_CLIENT_CA: pki.caPath,
    SYSWARD_TLS_CRL: pki.crlPath,
    ...extra,
  };
}
