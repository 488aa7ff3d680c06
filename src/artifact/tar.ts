// Walks a tar or tar.gz archive (sdists, PEP 625) in one streaming pass without extracting it:
// each header is vetted as it arrives and the inflated byte count is policed while gunzip runs.

import { createReadStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { PyvouchError } from '../errors.js';
import { formatBytes, type ArchiveLimits } from './limits.js';
import {
  MemberVetter,
  checkRatio,
  invalidArchive,
  unsafeArchive,
  unsafeMember,
  type MemberHandler,
  type MemberKind,
} from './member.js';

/**
 * Streams `source` through gunzip (when `gzip`) and tar, handing each vetted member to `handler`.
 * A handler that ignores a member's content lets the walker skip it; the whole archive is read
 * either way, so a hostile member after the interesting ones still fails the archive.
 */
export async function walkTar(
  source: Uint8Array | string,
  archive: string,
  limits: ArchiveLimits,
  gzip: boolean,
  handler: MemberHandler,
): Promise<void> {
  const input =
    typeof source === 'string'
      ? createReadStream(source)
      : Readable.from(chunked(Buffer.from(source.buffer, source.byteOffset, source.byteLength)));
  let compressed = 0;
  let inflated = 0;
  let current: string | undefined;
  const countCompressed = new Transform({
    transform(chunk: Buffer, _enc: string, done: TransformCallback) {
      compressed += chunk.length;
      done(null, chunk);
    },
  });
  // Sits after gunzip: what it counts is what the attacker made us produce, not what they claimed.
  const countInflated = new Transform({
    transform(chunk: Buffer, _enc: string, done: TransformCallback) {
      inflated += chunk.length;
      try {
        if (inflated > limits.maxTotalBytes) {
          const problem = `inflates past the total limit of ${formatBytes(limits.maxTotalBytes)}`;
          throw current === undefined ? unsafeArchive(archive, problem) : unsafeMember(archive, current, problem);
        }
        if (gzip) checkRatio(archive, current, inflated, compressed, limits);
      } catch (err) {
        done(err as Error);
        return;
      }
      done(null, chunk);
    },
  });
  const extract = tar.extract();
  const stages = gzip ? [input, countCompressed, createGunzip(), countInflated] : [input, countCompressed, countInflated];
  const piped = pipeline([...stages, extract]);
  piped.catch(() => undefined); // observed below; avoids an unhandled rejection while we iterate

  const vetter = new MemberVetter(archive, limits);
  try {
    for await (const entry of extract) {
      const header = entry.header;
      current = header.name;
      const kind = headerKind(header.type, header.name, archive);
      const size = kind === 'file' ? (header.size ?? 0) : 0;
      const member = vetter.admit(header.name, kind, size, header.linkname ?? undefined);
      const body = entry as unknown as AsyncIterable<Buffer>;
      let finished = false;
      async function* content(): AsyncGenerator<Buffer> {
        for await (const chunk of body) yield chunk;
        finished = true;
      }
      if (member !== undefined) await handler(member, content);
      // tar is sequential: unread bytes of this member must be skipped to reach the next header.
      if (!finished) {
        for await (const _chunk of body) {
          // draining
        }
      }
    }
    await piped;
  } catch (err) {
    for (const stage of stages) stage.destroy();
    extract.destroy();
    const cause = await piped.then(
      () => err,
      (pipeErr: unknown) => (pipeErr instanceof PyvouchError ? pipeErr : err),
    );
    if (cause instanceof PyvouchError) throw cause;
    throw invalidArchive(archive, `corrupt ${gzip ? 'tar.gz' : 'tar'} file: ${errorText(cause)}`, cause);
  }
}

/** tar-stream reports typeflags it does not know (sparse, volume label…) as null. */
type TarType = tar.Header['type'] | null;

function headerKind(type: TarType, name: string, archive: string): MemberKind {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      // Devices and fifos have no place in a package; unknown flags (sparse, volume) we cannot vet.
      throw unsafeMember(archive, name, `${type ?? 'unknown'} member type in a package archive`);
  }
}

/** Feeds bytes in file-read-sized pieces, so the ratio is judged on what gunzip has actually seen. */
function* chunked(bytes: Buffer, size = 64 * 1024): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
