// Where command output goes and how it looks: stdout or --output FILE, colour only on a TTY and
// never with NO_COLOR, progress on stderr. Commands write through a Sink so tests can capture it.
import { writeFileSync } from 'node:fs';
import { Option } from 'commander';
import { PyvouchError } from '../errors.js';
import type { ProgressTarget } from '../simple/progress.js';

export type Format = 'text' | 'json' | 'sarif' | 'html' | 'cyclonedx';

export interface Sink {
  write(text: string): void;
  /** Diagnostics and progress: stderr, never mixed into machine-readable stdout. */
  warn(text: string): void;
  readonly color: boolean;
}

export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '' && env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true;
}

/** Where a command's output goes: the process's streams, or a test's buffers. */
export interface CommandIo {
  // Callbacks, not methods: commander and the commands call them detached from this object.
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout and stderr take colour. */
  color: { stdout: boolean; stderr: boolean };
  /**
   * Where a progress line may be drawn (the process's stderr, whose TTY-ness progress checks), or
   * none: a captured io gets no progress line.
   */
  progress?: ProgressTarget;
}

export function processIo(): CommandIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    color: { stdout: colorEnabled(process.stdout), stderr: colorEnabled(process.stderr) },
    progress: process.stderr,
  };
}

let io: CommandIo | undefined;

/** The streams of the command being run (main() sets them; the process's by default). */
export function currentIo(): CommandIo {
  return (io ??= processIo());
}

export function setIo(next: CommandIo | undefined): void {
  io = next;
}

/** A sink on stdout, or buffered and written to `output` on `flush()`. */
export function makeSink(output?: string): Sink & { flush(): void } {
  const chunks: string[] = [];
  const toFile = output !== undefined && output !== '-';
  const streams = currentIo();
  return {
    color: toFile ? false : streams.color.stdout,
    write(text) {
      if (toFile) chunks.push(text);
      else streams.stdout(text);
    },
    warn(text) {
      streams.stderr(text.endsWith('\n') ? text : `${text}\n`);
    },
    flush() {
      if (!toFile) return;
      try {
        writeFileSync(output, chunks.join(''));
      } catch (err) {
        throw new PyvouchError('IO', `cannot write ${output}: ${(err as Error).message}`, { file: output, cause: err });
      }
    },
  };
}

/** `--format` with the values a command writes, the first the default; commander refuses others (exit 2). */
export function formatOption(formats: readonly [string, ...string[]]): Option {
  return new Option('--format <format>', formats.join(' or ')).choices(formats).default(formats[0]);
}

/** A JSON document on the command's stdout, indented, with a final newline. */
export function printJson(value: unknown): void {
  currentIo().stdout(`${JSON.stringify(value, null, 2)}\n`);
}

export function parseFormat(value: string, allowed: readonly Format[]): Format {
  if ((allowed as readonly string[]).includes(value)) return value as Format;
  throw new PyvouchError('USAGE', `unknown format '${value}'`, { help: `use one of: ${allowed.join(', ')}` });
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Style = keyof typeof codes;

/** Wraps text in an ANSI style when colour is on. */
export function paint(color: boolean, style: Style, text: string): string {
  return color ? `\u001b[${codes[style]}m${text}\u001b[0m` : text;
}
