/**
 * Certificate authorities and the certificates they sign, made by openssl at test time so that
 * no key is ever committed: P-256 keys, valid for two days.
 */
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface Subject {
  readonly commonName: string;
  /** DNS subjectAltNames, wildcards allowed. */
  readonly dns?: readonly string[];
  readonly uris?: readonly string[];
}

export interface Authority extends KeyPair {
  /** A leaf certificate for servers and clients alike, signed by this authority. */
  issue(subject: Subject): KeyPair;
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const DAYS = '2';

function inTempDir<T>(work: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-pki-'));
  try {
    return work(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function read(dir: string, cert: string, key: string): KeyPair {
  return { cert: fs.readFileSync(path.join(dir, cert), 'utf8'), key: fs.readFileSync(path.join(dir, key), 'utf8') };
}

function subjectAltName(subject: Subject): string | undefined {
  const names = [...(subject.dns ?? []).map(d => `DNS:${d}`), ...(subject.uris ?? []).map(u => `URI:${u}`)];
  return names.length > 0 ? `subjectAltName=${names.join(',')}` : undefined;
}

/** A self-signed certificate (not a CA), as a server that trusts nobody would present. */
export function selfSignedCertificate(subject: Subject): KeyPair {
  return inTempDir(dir => {
    const san = subjectAltName(subject);
    openssl(dir, ['req', '-x509', ...KEY, '-days', DAYS, '-subj', `/CN=${subject.commonName}`,
      ...(san ? ['-addext', san] : []), '-keyout', 'tls.key', '-out', 'tls.crt']);
    return read(dir, 'tls.crt', 'tls.key');
  });
}

export function certificateAuthority(commonName: string): Authority {
  const ca = inTempDir(dir => {
    openssl(dir, ['req', '-x509', ...KEY, '-days', DAYS, '-subj', `/CN=${commonName}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout', 'ca.key', '-out', 'ca.crt']);
    return read(dir, 'ca.crt', 'ca.key');
  });
  return {
    ...ca,
    issue: (subject: Subject) => inTempDir(dir => {
      fs.writeFileSync(path.join(dir, 'ca.crt'), ca.cert);
      fs.writeFileSync(path.join(dir, 'ca.key'), ca.key, { mode: 0o600 });
      const san = subjectAltName(subject);
      fs.writeFileSync(path.join(dir, 'ext.cnf'), [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth,clientAuth',
        ...(san ? [san] : []),
        '',
      ].join('\n'));
      openssl(dir, ['req', '-new', ...KEY, '-subj', `/CN=${subject.commonName}`, '-keyout', 'tls.key', '-out', 'tls.csr']);
      openssl(dir, ['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(12).toString('hex')}`,
        '-days', DAYS, '-extfile', 'ext.cnf', '-out', 'tls.crt']);
      return read(dir, 'tls.crt', 'tls.key');
    }),
  };
}
