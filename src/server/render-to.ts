// `serve --render-to DIR`: project pages (PEP 503 HTML and PEP 691 JSON) rendered as decided into
// a directory that nginx or a CDN serves without asking Node, the way warehouse renders its simple
// pages for its CDN. Each page is written content-addressed (`simple/<name>/<sha256>.<name>.<ext>`,
// never changed once written) and then published by hard-linking it over `index.<ext>` with a
// rename, so a reader sees the old page or the new one, never a torn one.
//
// The pages are exactly what the server answers (the renderer asks its own server over loopback),
// so filter mode's hiding, the decision log's `hide` records and content negotiation stay in one
// place. A page is re-rendered at once when this process learns that decisions changed (a
// statement stored here or announced by the store, a policy reload, a feed sync) and in any case
// every interval (decisions expire with time; another process may have written to a SQLite store).
// A page that cannot be rendered (upstream lost the project, or cannot answer) is removed, so the
// request falls through to the server, which answers 404 or 502 itself: nothing is served from the
// directory that the server would not serve now.

import { createHash } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalizeName, isValidName } from '../pep/name.js';
import type { Logger } from './log.js';
import { tempNameBeside, writeFileAtomic } from '../fs/atomic-write.js';

/** The files of one project directory, by the media type nginx maps an Accept header onto. */
export const RENDERED_VARIANTS = [
  { accept: 'application/vnd.pypi.simple.v1+json', contentType: 'application/vnd.pypi.simple.v1+json', ext: 'v1_json', index: ['index.v1_json'] },
  // One HTML rendering answers both text/html and the PEP 691 HTML type.
  { accept: 'text/html', contentType: 'text/html', ext: 'html', index: ['index.html', 'index.v1_html'] },
] as const;

/** A header the renderer's own requests carry, so the server does not note them as wanted pages. */
export const RENDER_HEADER = 'x-pyvouch-render';

export interface PageRendererOptions {
  dir: string;
  /** The server's own origin, asked for the pages. */
  origin: () => string;
  /** Every page is rendered again at least this often (ms). */
  intervalMs: number;
  logger: Logger;
  /** Pages rendered at once (default 4). */
  concurrency?: number;
  /**
   * The store's statement generation, read now (strictly), before a page is asked for: the page
   * is then decided under that generation or a newer one. Replicas sharing DIR use it so a sweep
   * that started before a change cannot publish over a page rendered after it.
   */
  generation?: () => Promise<string>;
}

export class PageRenderer {
  readonly #projects = new Set<string>();
  readonly #dir: string;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #dirty = false;
  #closed = false;

  constructor(private readonly o: PageRendererOptions) {
    this.#dir = join(o.dir, 'simple');
  }

  /** Adopts the projects already rendered in DIR (by this or another replica) and starts the sweeps. */
  async start(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await this.#adopt();
    this.#timer = setInterval(() => this.changed(), Math.max(this.o.intervalMs, 50));
    this.#timer.unref();
    if (this.#projects.size > 0) this.changed();
  }

  /** A page the server answered: render it from now on. */
  want(canonical: string): void {
    if (this.#closed || this.#projects.has(canonical)) return;
    this.#projects.add(canonical);
    this.changed();
  }

  /** Decisions may have changed: render every page again (once more if a sweep is under way). */
  changed(): void {
    if (this.#closed) return;
    this.#dirty = true;
    this.#running ??= this.#sweepWhileDirty().finally(() => (this.#running = undefined));
  }

  /** Resolves once no sweep is running or due (tests wait on it before they look). */
  async settled(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  async #sweepWhileDirty(): Promise<void> {
    while (this.#dirty && !this.#closed) {
      this.#dirty = false;
      // Pages another replica rendered into a shared DIR are kept fresh here too.
      await this.#adopt().catch(() => undefined);
      const queue = [...this.#projects];
      const work = async (): Promise<void> => {
        for (let name = queue.shift(); name !== undefined && !this.#closed; name = queue.shift()) {
          await this.#render(name).catch((err: unknown) => this.o.logger.log('warn', 'cannot render a project page', { project: name, error: message(err) }));
        }
      };
      await Promise.all(Array.from({ length: this.o.concurrency ?? 4 }, work));
    }
  }

  async #adopt(): Promise<void> {
    for (const entry of await readdir(this.#dir, { withFileTypes: true })) {
      if (entry.isDirectory() && isValidName(entry.name) && canonicalizeName(entry.name) === entry.name) this.#projects.add(entry.name);
    }
  }

  async #render(name: string): Promise<void> {
    const dir = join(this.#dir, name);
    const keep = new Set<string>();
    const generation = parseGeneration(await this.o.generation?.());
    const newer = async (): Promise<boolean> => {
      if (generation === undefined) return false;
      const stamped = parseGeneration(await readFile(join(dir, GENERATION_FILE), 'utf8').catch(() => undefined));
      return stamped !== undefined && stamped > generation;
    };
    for (const variant of RENDERED_VARIANTS) {
      const res = await fetch(`${this.o.origin()}/simple/${name}/`, { headers: { Accept: variant.accept, [RENDER_HEADER]: '1' } });
      const body = Buffer.from(await res.arrayBuffer());
      const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
      if (res.status !== 200 || type !== variant.contentType) {
        // Not servable now: whatever is rendered goes, and the server answers for itself.
        await this.#remove(name, dir, res.status === 404);
        return;
      }
      const hash = createHash('sha256').update(body).digest('hex');
      const content = `${hash}.${name}.${variant.ext}`;
      keep.add(content);
      await mkdir(dir, { recursive: true });
      const path = join(dir, content);
      if (!(await exists(path))) await atomicWrite(path, body);
      // Someone rendered this page under a newer generation meanwhile: theirs stays.
      if (await newer()) return;
      for (const index of variant.index) await publish(path, join(dir, index));
    }
    if (generation !== undefined && !(await newer())) await atomicWrite(join(dir, GENERATION_FILE), Buffer.from(`${generation}\n`));
    // Older renderings are no longer linked from an index; readers that opened one keep it.
    for (const entry of await readdir(dir)) {
      if (/^[0-9a-f]{64}\./.test(entry) && !keep.has(entry)) await unlink(join(dir, entry)).catch(() => undefined);
    }
  }

  async #remove(name: string, dir: string, forget: boolean): Promise<void> {
    if (await exists(dir)) {
      // The index links first, so nothing is served from here from this moment on.
      for (const variant of RENDERED_VARIANTS) for (const index of variant.index) await unlink(join(dir, index)).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    if (forget) this.#projects.delete(name);
  }
}

/** The store generation the pages of a project directory were last rendered under. */
const GENERATION_FILE = 'generation';

function parseGeneration(text: string | undefined): bigint | undefined {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  return BigInt(text.trim());
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const atomicWrite = (path: string, body: Buffer): Promise<void> => writeFileAtomic(path, body, { mode: 0o644 });

/** Points `index` at `content` (hard link, then rename over the old index: atomic). */
async function publish(content: string, index: string): Promise<void> {
  const [from, to] = await Promise.all([stat(content), stat(index).catch(() => undefined)]);
  if (to !== undefined && to.ino === from.ino && to.dev === from.dev) return;
  const temp = tempNameBeside(index);
  try {
    await link(content, temp);
    await rename(temp, index);
  } finally {
    // rename(2) leaves both names when they are links to one file (another writer was quicker).
    await unlink(temp).catch(() => undefined);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
