// What a package index is to the rest of pyvouch: a list of files per project (PEP 503 / PEP 691),
// with their hashes, requires-python, yanked state (PEP 592) and core-metadata files (PEP 658/714).
// The resolver and the gated server code against this interface; src/simple/ implements it over
// HTTP and over a local directory.

import type { Provenance } from '../provenance/attestation.js';

/** One distribution file of a project, as the simple API lists it. */
export interface IndexFile {
  filename: string;
  /** Absolute URL (relative hrefs resolved against the page URL), without the hash fragment. */
  url: string;
  /** Hashes by algorithm, lower-case hex (from PEP 691 `hashes` or the `#sha256=` fragment). */
  hashes: Record<string, string>;
  /** PEP 503 `data-requires-python` / PEP 691 `requires-python`, unescaped. */
  requiresPython?: string;
  /** PEP 592: false, or the reason (true when the index gives none). */
  yanked: false | true | string;
  /** PEP 658/714: whether `<url>.metadata` exists, with its hashes when the index gives them. */
  coreMetadata: false | { hashes: Record<string, string> };
  size?: number;
  uploadTime?: string;
  /** PEP 740: the provenance URL when the index serves one. */
  provenance?: string;
}

export interface ProjectPage {
  /** Canonical project name. */
  name: string;
  files: IndexFile[];
  /** PEP 700 `versions` when the index gives it. */
  versions?: string[];
  /** The page URL (after redirects) the files were read from. */
  url: string;
}

export interface PackageIndex {
  /** The index root, e.g. `https://pypi.org/simple/` or `file:///srv/wheels/`. */
  readonly url: string;
  /** The project's files; undefined when the index does not know the project (404). */
  project(name: string): Promise<ProjectPage | undefined>;
  /** The core metadata (METADATA text) of a file: the PEP 658 file when present, else from the wheel. */
  coreMetadata(file: IndexFile): Promise<string>;
  /** The file's bytes, checked against its sha256 when the index gives one (DIGEST_MISMATCH otherwise). */
  download(file: IndexFile): Promise<Uint8Array>;
  /** PEP 740: the file's provenance (the page's `provenance` URL), when the index serves one. */
  provenance?(file: IndexFile): Promise<Provenance | undefined>;
}
