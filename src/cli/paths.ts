// Where pyvouch keeps keys, config and the default store. PYVOUCH_HOME puts everything under one
// directory (tests and CI use it); otherwise the XDG base directories, as Linux users expect.
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface PyvouchDirs {
  /** Keys and user config. */
  config: string;
  /** The default embedded store. */
  data: string;
  /** Upstream caches. */
  cache: string;
}

export function pyvouchDirs(env: NodeJS.ProcessEnv = process.env): PyvouchDirs {
  const home = env['PYVOUCH_HOME'];
  if (home !== undefined && home !== '') {
    return { config: home, data: home, cache: join(home, 'cache') };
  }
  const user = homedir();
  const xdg = (name: string, fallback: string): string => {
    const v = env[name];
    return v !== undefined && v !== '' ? v : join(user, fallback);
  };
  return {
    config: join(xdg('XDG_CONFIG_HOME', '.config'), 'pyvouch'),
    data: join(xdg('XDG_DATA_HOME', '.local/share'), 'pyvouch'),
    cache: join(xdg('XDG_CACHE_HOME', '.cache'), 'pyvouch'),
  };
}
