// A throwaway PKI for the HTTPS tests, made at test time with the openssl CLI (no key is
// committed): a CA and ECDSA P-256 leaves for localhost and 127.0.0.1 signed by it.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

// A CA in dir: ca.pem and ca.key.
export function makeCa(dir) {
  writeFileSync(
    path.join(dir, 'ca.ext'),
    'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n' +
      'subjectKeyIdentifier = hash\n',
  );
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key'], dir);
  openssl(['req', '-new', '-key', 'ca.key', '-subj', '/CN=edgewatch e2e CA', '-out', 'ca.csr'], dir);
  openssl(
    ['x509', '-req', '-in', 'ca.csr', '-signkey', 'ca.key', '-days', '30', '-sha256',
      '-extfile', 'ca.ext', '-out', 'ca.pem'],
    dir,
  );
  return { dir, certificate: path.join(dir, 'ca.pem'), pem: readFileSync(path.join(dir, 'ca.pem'), 'utf8') };
}

// Signs a leaf for localhost and 127.0.0.1 with a fresh random serial. Its key is leaf.key in
// the CA's directory (made on first use, kept after: a renewal with the same key). The
// certificate is written to a temporary name and renamed onto `file` (default leaf.pem), so a
// watcher never sees half a file. Returns { certificate, key, serial (upper-case hex), spki
// (base64 SHA-256 of the SubjectPublicKeyInfo, Chromium's pin format) }.
export function issueLeaf(ca, file = path.join(ca.dir, 'leaf.pem')) {
  const dir = ca.dir;
  const key = path.join(dir, 'leaf.key');
  try {
    readFileSync(key);
  } catch {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key], dir);
  }
  writeFileSync(
    path.join(dir, 'leaf.ext'),
    'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n' +
      'extendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, IP:127.0.0.1\n',
  );
  const serial = randomBytes(8);
  serial[0] = (serial[0] & 0x7f) | 0x10; // positive, and no leading zero byte to trim
  const hex = serial.toString('hex').toUpperCase();
  openssl(['req', '-new', '-key', key, '-subj', '/CN=localhost', '-out', 'leaf.csr'], dir);
  const tmp = `${file}.new`;
  openssl(
    ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${hex}`,
      '-days', '30', '-sha256', '-extfile', 'leaf.ext', '-out', tmp],
    dir,
  );
  const x509 = new X509Certificate(readFileSync(tmp));
  renameSync(tmp, file);
  const der = x509.publicKey.export({ type: 'spki', format: 'der' });
  return {
    certificate: file,
    key,
    serial: x509.serialNumber.toUpperCase(),
    spki: createHash('sha256').update(der).digest('base64'),
  };
}
