import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HarnessError } from '../errors/harness-error.js';

/**
 * TLS files of a topology: a throw-away CA, a server certificate for `127.0.0.1` / `localhost`
 * used by every redis-server and sentinel (also as their client certificate for replication and
 * the cluster bus), and a client certificate for mutual TLS. Paths are inside the topology's
 * temp dir and vanish with `stop()`; PEM strings are included so tests need not read files.
 */
export interface TlsMaterial {
  /** CA certificate file that verifies the servers (`REDIS_TLS_CA`). */
  readonly caPath: string;
  /** Client certificate file (`REDIS_TLS_CERT`), signed by the CA. */
  readonly certPath: string;
  /** Client private key file (`REDIS_TLS_KEY`), unencrypted. */
  readonly keyPath: string;
  /** PEM of `caPath`. */
  readonly ca: string;
  /** PEM of `certPath`. */
  readonly cert: string;
  /** PEM of `keyPath`. */
  readonly key: string;
  /** Server certificate file given to redis-server (`tls-cert-file`). */
  readonly serverCertPath: string;
  /** Server private key file given to redis-server (`tls-key-file`). */
  readonly serverKeyPath: string;
}

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 15_000 }, (error, _stdout, stderr) => {
      if (!error) {
        resolve();
        return;
      }
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new HarnessError(
          'ERR_HARNESS_START',
          missing
            ? `TLS topologies need the openssl command, which was not found (install it: \`apt-get install openssl\`).`
            : `openssl ${args[0] ?? ''} failed while generating test certificates in ${cwd}: ${String(stderr).trim() || error.message}`,
          { cause: error },
        ),
      );
    });
  });
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function issue(
  dir: string,
  name: string,
  commonName: string,
  extensions: string,
): Promise<void> {
  await openssl(
    [
      'req',
      '-new',
      ...ecKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${commonName}`,
    ],
    dir,
  );
  await writeFile(path.join(dir, `${name}.ext`), extensions);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '7',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

/**
 * Generates a CA, a server certificate and a client certificate with `openssl` (EC P-256, valid
 * 7 days) into `dir` (created if needed). Takes a few tens of milliseconds.
 */
export async function generateCertificates(dir: string): Promise<TlsMaterial> {
  await mkdir(dir, { recursive: true });
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      ...ecKey,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '7',
      '-subj',
      '/CN=RedGrid redis-harness test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const leaf = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
  await issue(
    dir,
    'server',
    'localhost',
    `${leaf}extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n`,
  );
  await issue(dir, 'client', 'redgrid-test-client', `${leaf}extendedKeyUsage=clientAuth\n`);
  const file = (name: string) => path.join(dir, name);
  const [ca, cert, key] = await Promise.all(
    ['ca.crt', 'client.crt', 'client.key'].map((name) => readFile(file(name), 'utf8')),
  );
  return {
    caPath: file('ca.crt'),
    certPath: file('client.crt'),
    keyPath: file('client.key'),
    ca: ca ?? '',
    cert: cert ?? '',
    key: key ?? '',
    serverCertPath: file('server.crt'),
    serverKeyPath: file('server.key'),
  };
}
