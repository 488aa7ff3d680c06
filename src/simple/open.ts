// Opens the package index a user names: an http(s) simple API root (PEP 503/691) or a local
// directory of wheels and sdists, given as a path or a file:// URL.

import { fileURLToPath } from 'node:url';
import { PyvouchError } from '../errors.js';
import type { ArchiveLimits } from '../artifact/limits.js';
import { IndexCache } from './cache.js';
import { HttpClient, type HttpOptions } from './http.js';
import { HttpIndex } from './http-index.js';
import { LocalIndex } from './local-index.js';
import type { PackageIndex } from './types.js';

export interface OpenIndexOptions extends HttpOptions {
  /** Directory of the on-disk cache of pages, metadata and files; no cache when absent. */
  cacheDir?: string;
  /** A client to share with other indexes (its options then win over the HttpOptions here). */
  http?: HttpClient;
  maxPageBytes?: number;
  maxMetadataBytes?: number;
  maxDownloadBytes?: number;
  archiveLimits?: Partial<ArchiveLimits>;
}

/**
 * `https://…/simple/` (or http) gives an HttpIndex; `file:///…` or a path gives a LocalIndex of
 * that directory. Nothing is fetched or read until the index is used.
 */
export function openIndex(location: string, options: OpenIndexOptions = {}): PackageIndex {
  const { cacheDir, http, maxPageBytes, maxMetadataBytes, maxDownloadBytes, archiveLimits, ...httpOptions } = options;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(location)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    return new HttpIndex(location, {
      http: http ?? new HttpClient(httpOptions),
      ...(cacheDir === undefined ? {} : { cache: new IndexCache(cacheDir) }),
      ...(maxPageBytes === undefined ? {} : { maxPageBytes }),
      ...(maxMetadataBytes === undefined ? {} : { maxMetadataBytes }),
      ...(maxDownloadBytes === undefined ? {} : { maxDownloadBytes }),
      ...(archiveLimits === undefined ? {} : { archiveLimits }),
    });
  }
  const local = {
    ...(maxDownloadBytes === undefined ? {} : { maxDownloadBytes }),
    ...(archiveLimits === undefined ? {} : { archiveLimits }),
  };
  if (scheme === 'file') {
    let path: string;
    try {
      path = fileURLToPath(location);
    } catch (err) {
      throw new PyvouchError('USAGE', `'${location}' is not a usable file URL`, { help: 'write it as file:///absolute/path/', cause: err });
    }
    return new LocalIndex(path, local);
  }
  // A one-letter "scheme" is a Windows drive (C:\wheels), not a URL.
  if (scheme !== undefined && scheme.length > 1 && /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location)) {
    throw new PyvouchError('USAGE', `unsupported index URL scheme '${scheme}:' in '${location}'`, {
      help: 'give an http(s) URL of a simple API root, or a directory of wheels and sdists',
    });
  }
  return new LocalIndex(location, local);
}
