// The server's operational log: one line per notable event (start, refusals, audit findings,
// upstream failures, admin actions) on stderr, as text for people or JSON lines for collectors.
// The durable record of decisions is the decision log in the store (src/store/decisions.ts);
// this is what an operator tails.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  format?: 'text' | 'json';
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'text';
  const threshold = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  return {
    log(level, message, fields = {}) {
      if (RANK[level] < threshold) return;
      const time = now().toISOString();
      const defined = Object.entries(fields).filter((e): e is [string, string | number | boolean] => e[1] !== undefined);
      if (format === 'json') {
        write(`${JSON.stringify({ time, level, message, ...Object.fromEntries(defined) })}\n`);
        return;
      }
      const rest = defined.map(([k, v]) => `${k}=${quoteValue(String(v))}`).join(' ');
      write(`${time} ${level.padEnd(5)} ${message}${rest === '' ? '' : ` ${rest}`}\n`);
    },
  };
}

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Logger = { log: () => undefined };

function quoteValue(value: string): string {
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}
