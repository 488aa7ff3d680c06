import assert from 'node:assert/strict';
import { sign, verify } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keyFilePath, loadDefaultKey, readKeyFile, writeKeyFile } from '../../src/attest/keyfile.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { isPyvouchError, type PyvouchError } from '../../src/errors.js';

const posix = process.platform !== 'win32';
let root: string;
let n = 0;
const freshDir = (): string => join(root, `home${n++}`);

async function rejects(promise: Promise<unknown>, code: string, check: (err: PyvouchError) => boolean = () => true): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isPyvouchError(err), String(err));
    assert.equal(err.code, code, err.message);
    assert.ok(check(err), JSON.stringify(err.toJSON()));
    return true;
  });
}

describe('key files', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pyvouch-keyfile-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the key under keys/ readable by its owner only, and reads back the same identity', async () => {
    const dir = freshDir();
    const identity = generateIdentity({ name: 'Alice', contact: 'alice@example.org' });
    const path = await writeKeyFile(dir, identity, { created: new Date('2024-06-01T00:00:00Z') });
    assert.equal(path, join(dir, 'keys', 'default.json'));
    if (posix) {
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, 'keys'))).mode & 0o777, 0o700);
    }
    const data = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(data), ['format', 'version', 'did', 'name', 'contact', 'created', 'privateKey']);
    assert.equal(data.did, identity.did);
    assert.equal(data.created, '2024-06-01T00:00:00.000Z');
    assert.match(String(data.privateKey), /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);

    const loaded = await loadDefaultKey(dir);
    assert.equal(loaded.did, identity.did);
    assert.equal(loaded.name, 'Alice');
    assert.equal(loaded.contact, 'alice@example.org');
    assert.equal(loaded.path, path);
    const sig = sign(null, Buffer.from('x'), loaded.privateKey);
    assert.equal(verify(null, Buffer.from('x'), identity.publicKey, sig), true);
  });

  it('refuses to overwrite an existing key with KEY_EXISTS, leaving it untouched', async () => {
    const dir = freshDir();
    const first = generateIdentity();
    const path = await writeKeyFile(dir, first);
    const before = await readFile(path, 'utf8');
    await rejects(writeKeyFile(dir, generateIdentity()), 'KEY_EXISTS', (e) => e.file === path && e.help !== undefined);
    assert.equal(await readFile(path, 'utf8'), before);
    assert.equal((await readKeyFile(path)).did, first.did);
  });

  it('keeps several named keys side by side', async () => {
    const dir = freshDir();
    const a = generateIdentity();
    const b = generateIdentity();
    await writeKeyFile(dir, a);
    const path = await writeKeyFile(dir, b, { keyName: 'rotated-2025' });
    assert.equal((await readKeyFile(path)).did, b.did);
    assert.equal((await loadDefaultKey(dir)).did, a.did);
  });

  it('refuses a key name that would leave the keys directory', () => {
    assert.throws(() => keyFilePath('/tmp/x', '../evil'), (err: unknown) => isPyvouchError(err) && err.code === 'USAGE');
  });

  it('reports a missing key with KEY_MISSING and says how to make one', async () => {
    await rejects(loadDefaultKey(freshDir()), 'KEY_MISSING', (e) => (e.help ?? '').includes('pyvouch key new'));
  });

  it('refuses a key file whose key does not match its did (KEY_INVALID)', async () => {
    const dir = freshDir();
    const path = await writeKeyFile(dir, generateIdentity());
    const data = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    data.did = generateIdentity().did;
    await writeFile(path, JSON.stringify(data));
    await rejects(readKeyFile(path), 'KEY_INVALID', (e) => e.message.includes(String(data.did)) && e.file === path);
  });

  it('refuses a key file whose private key was swapped for another (KEY_INVALID)', async () => {
    const dir = freshDir();
    const path = await writeKeyFile(dir, generateIdentity());
    const data = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    data.privateKey = generateIdentity().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await writeFile(path, JSON.stringify(data));
    await rejects(readKeyFile(path), 'KEY_INVALID');
  });

  it('refuses a corrupted key file (KEY_INVALID)', async () => {
    const dir = freshDir();
    const path = await writeKeyFile(dir, generateIdentity());
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, text.length / 2));
    await rejects(readKeyFile(path), 'KEY_INVALID');
    await writeFile(path, JSON.stringify({ format: 'pyvouch-key', version: 1, did: 'did:key:z6Mk', created: 'x', privateKey: 'not pem' }));
    await rejects(readKeyFile(path), 'KEY_INVALID');
  });

  it('refuses a key file others can read, saying how to fix it', { skip: !posix }, async () => {
    const dir = freshDir();
    const path = await writeKeyFile(dir, generateIdentity());
    await chmod(path, 0o644);
    await rejects(readKeyFile(path), 'KEY_INVALID', (e) => (e.help ?? '').includes('chmod 600'));
  });
});
