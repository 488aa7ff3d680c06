// The install-time and import-time code assessor: finds the Python that runs when a distribution
// is built or installed (setup.py, in-tree PEP 517 backends) or imported (top-level packages,
// .pth lines, which run at every interpreter start), follows its local imports and second files,
// and reports what a build or an import has no reason to do. Each finding names file, line, rule
// and excerpt. Pure: works on the member texts that distribution.ts read (nothing is extracted).
import type { FindingSeverity } from '../attest/types.js';
import type { Finding } from './finding.js';
import {
  excerptAt,
  isNetworkCall,
  lineOf,
  parsePythonFile,
  stringValue,
  taintOf,
  type ExecutionMode,
  type ParsedFile,
} from './python-code.js';

export interface SourceTree {
  /** The distribution file name, for messages. */
  distribution: string;
  kind: 'wheel' | 'sdist';
  /** Member texts by path relative to the tree root (an sdist's top directory stripped). */
  files: ReadonlyMap<string, string>;
  /** PEP 517 in-tree backend: `build-backend` module and `backend-path` entries from pyproject.toml. */
  backend?: { module: string; paths: readonly string[] };
}

export interface InstallCodeOptions {
  /** At most this many files are parsed per distribution (the closure of imports can be large). */
  maxFiles?: number;
}

const PROCESS_CALLS = new Set([
  'subprocess.Popen', 'subprocess.call', 'subprocess.check_call', 'subprocess.check_output', 'subprocess.run',
  'subprocess.getoutput', 'subprocess.getstatusoutput', 'os.system', 'os.popen', 'os.execv', 'os.execve',
  'os.execl', 'os.execle', 'os.execlp', 'os.execvp', 'os.execvpe', 'os.spawnl', 'os.spawnv', 'os.spawnlp',
  'os.spawnvp', 'os.posix_spawn', 'os.posix_spawnp', 'os.startfile', 'pty.spawn', 'commands.getoutput',
  'asyncio.create_subprocess_shell', 'asyncio.create_subprocess_exec', 'platform.popen',
]);
const EXEC_CALLS = new Set(['exec', 'eval', 'compile', 'builtins.exec', 'builtins.eval', '__builtins__.exec', 'execfile', 'runpy.run_path', 'runpy.run_module']);
const UNPICKLE = new Set(['pickle.loads', 'cPickle.loads', 'dill.loads', 'marshal.loads']);
const WRITE_CALLS = new Set([
  'shutil.copy', 'shutil.copy2', 'shutil.copyfile', 'shutil.move', 'shutil.copytree', 'os.rename', 'os.replace',
  'os.symlink', 'os.link', 'os.makedirs', 'os.mkdir', 'os.remove', 'os.unlink', 'shutil.rmtree',
]);
/** Paths that hold credentials or that persistence writes to. */
const CREDENTIAL_PATHS = [
  /(^|[\\/])\.ssh([\\/]|$)/, /id_(rsa|dsa|ecdsa|ed25519)\b/, /(^|[\\/])\.aws([\\/]|$)/, /\.netrc\b/, /\.pypirc\b/,
  /\.git-credentials\b/, /\.docker[\\/]config\.json/, /\.kube[\\/]config/, /(^|[\\/])\.gnupg([\\/]|$)/,
  /Login Data/, /Local State/, /User Data[\\/]Default/, /Google[\\/]Chrome/, /BraveSoftware/, /\.mozilla[\\/]firefox/,
  /key4\.db/, /logins\.json/, /Local Storage[\\/]leveldb/, /discord(canary|ptb)?[\\/]/i, /\.electrum/, /Exodus[\\/]/,
  /Keychains?[\\/]/, /\.config[\\/]gcloud/, /\.azure[\\/]/, /\.npmrc\b/,
];
const PERSISTENCE_PATHS = [/\.bashrc\b/, /\.zshrc\b/, /\.profile\b/, /\.bash_profile\b/, /crontab/, /LaunchAgents/, /\\Start Menu\\Programs\\Startup/i, /\.config[\\/]autostart/, /systemd[\\/]/, /\.pth$/];
const SECRET_ENV = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|SESSION_?ID|COOKIE)/i;
const SHELL_DOWNLOAD = /\b(curl|wget|powershell|pwsh|certutil|bitsadmin|mshta|Invoke-WebRequest|iwr|iex|nc|ncat|netcat)\b|\/dev\/tcp\/|base64\s+-d|\|\s*(ba)?sh\b|chmod\s+\+x/i;
const HOME_CALLS = /^(os\.path\.expanduser|pathlib\.Path\.home|Path\.home|os\.getenv|os\.environ\.get|site\.getsitepackages|site\.getusersitepackages|sysconfig\.get_paths|site\.USER_SITE|os\.environ\[\])/;
const INSTALL_COMMANDS = new Set(['install', 'develop', 'egg_info', 'easy_install', 'install_lib', 'install_scripts']);

interface Entry {
  path: string;
  mode: ExecutionMode;
  why: string;
}

/** The files that run at build, install or import time, before following imports. */
export function entryPoints(tree: SourceTree): Entry[] {
  const entries: Entry[] = [];
  const paths = [...tree.files.keys()];
  if (tree.kind === 'sdist') {
    if (tree.files.has('setup.py')) entries.push({ path: 'setup.py', mode: 'all', why: 'runs at build and install time' });
    if (tree.backend !== undefined) {
      const rel = tree.backend.module.replace(/\./g, '/');
      for (const dir of tree.backend.paths.length > 0 ? tree.backend.paths : ['']) {
        const base = dir.replace(/^\.\/?/, '').replace(/\/$/, '');
        for (const candidate of [`${rel}.py`, `${rel}/__init__.py`]) {
          const p = base === '' ? candidate : `${base}/${candidate}`;
          if (tree.backend.paths.length > 0 && tree.files.has(p)) entries.push({ path: p, mode: 'all', why: 'the in-tree build backend (PEP 517)' });
        }
      }
    }
  }
  for (const p of paths) {
    const parts = p.split('/');
    // Import-time code: a top-level package's __init__.py or a top-level module (also under src/
    // in an sdist, and under a wheel's .data/purelib|platlib).
    const rest = tree.kind === 'sdist' && parts[0] === 'src' ? parts.slice(1) : /\.data$/.test(parts[0] ?? '') && /^(purelib|platlib)$/.test(parts[1] ?? '') ? parts.slice(2) : parts;
    if (rest.length === 2 && rest[1] === '__init__.py') entries.push({ path: p, mode: 'import', why: 'runs when the package is imported' });
    else if (rest.length === 1 && rest[0]!.endsWith('.py') && tree.kind === 'wheel') entries.push({ path: p, mode: 'import', why: 'runs when the module is imported' });
  }
  return entries;
}

/** Module name → file, for every .py file (also rooted at src/ and at a wheel's .data/purelib). */
function moduleMap(files: ReadonlyMap<string, string>): Map<string, string> {
  const map = new Map<string, string>();
  for (const p of files.keys()) {
    if (!p.endsWith('.py')) continue;
    const parts = p.slice(0, -3).split('/');
    const roots = [parts];
    if (parts[0] === 'src') roots.push(parts.slice(1));
    if (/\.data$/.test(parts[0] ?? '') && /^(purelib|platlib)$/.test(parts[1] ?? '')) roots.push(parts.slice(2));
    for (const r of roots) {
      const mod = (r[r.length - 1] === '__init__' ? r.slice(0, -1) : r).join('.');
      if (mod !== '' && !map.has(mod)) map.set(mod, p);
    }
  }
  return map;
}

function moduleNameOf(path: string, modules: ReadonlyMap<string, string>): string {
  for (const [mod, p] of modules) if (p === path) return mod;
  return path.replace(/\.py$/, '').replace(/\//g, '.');
}

/** Runs the assessor over a source tree. */
export function assessInstallCode(tree: SourceTree, options: InstallCodeOptions = {}): Finding[] {
  const maxFiles = options.maxFiles ?? 400;
  const modules = moduleMap(tree.files);
  const findings: Finding[] = [];
  const parsed = new Map<string, ParsedFile>();
  const queue: Entry[] = [];
  const queued = new Map<string, ExecutionMode>();
  const enqueue = (e: Entry): void => {
    const had = queued.get(e.path);
    if (had === 'all' || had === e.mode) return;
    queued.set(e.path, e.mode);
    queue.push(e);
  };
  for (const e of entryPoints(tree)) enqueue(e);

  // .pth files: lines starting with `import` are executed by site.py at every interpreter start.
  for (const [p, text] of tree.files) {
    if (!p.endsWith('.pth') || (tree.kind === 'wheel' && p.includes('/') && !/\.data\/(purelib|platlib)\/[^/]+$/.test(p))) continue;
    text.split(/\r?\n/).forEach((line, i) => {
      if (!/^import[ \t]/.test(line)) return;
      findings.push(finding(tree, 'install-time-code', 'pth-exec', 'medium', p, i + 1, line, 'a .pth line that runs code at every Python start, for every program in the environment'));
      const code = parsePythonFile(p, line, 'all');
      analyse(tree, code, modules, findings, enqueue, i);
    });
  }

  while (queue.length > 0 && parsed.size < maxFiles) {
    const entry = queue.shift()!;
    const text = tree.files.get(entry.path);
    if (text === undefined) continue;
    const file = parsePythonFile(entry.path, text, entry.mode);
    parsed.set(entry.path, file);
    analyse(tree, file, modules, findings, enqueue, 0, entry.mode);
  }
  if (queue.length > 0) {
    findings.push(finding(tree, 'install-time-code', 'too-many-files', 'medium', undefined, undefined, '', `more than ${maxFiles} files run at install or import time; the rest were not analysed`));
  }
  return correlate(tree, dedupe(findings));
}

function analyse(
  tree: SourceTree,
  file: ParsedFile,
  modules: ReadonlyMap<string, string>,
  findings: Finding[],
  enqueue: (e: Entry) => void,
  lineOffset: number,
  mode: ExecutionMode = 'all',
): void {
  const src = (n: { from: number; to: number }): string => file.text.slice(n.from, n.to);
  const at = (line: number): { line: number; excerpt: string } => ({ line: line + lineOffset, excerpt: excerptAt(file, line) });
  const add = (rule: string, severity: FindingSeverity, line: number, message: string): void => {
    const where = at(line);
    findings.push(finding(tree, 'install-time-code', rule, severity, file.path, where.line, where.excerpt, message));
  };
  const when = mode === 'all' ? 'at build/install time' : 'at import time';

  // Local imports and second files run too: follow them with the same mode.
  const self = moduleNameOf(file.path, modules);
  const isPackage = file.path.endsWith('__init__.py');
  const pkg = isPackage ? self : self.split('.').slice(0, -1).join('.');
  for (const imp of file.imports) {
    let base = imp.module;
    if (base.startsWith('.')) {
      const dots = /^\.+/.exec(base)![0].length;
      const up = pkg.split('.').filter((s) => s !== '').slice(0, Math.max(0, pkg.split('.').length - (dots - 1)));
      base = [...up, base.slice(dots)].filter((s) => s !== '').join('.');
    }
    const targets = imp.names.length > 0 ? imp.names.map((n) => (base === '' ? n : `${base}.${n}`)) : [];
    targets.push(base);
    // Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
    const parts = base.split('.');
    for (let i = 1; i < parts.length; i++) targets.push(parts.slice(0, i).join('.'));
    for (const t of targets) {
      const p = modules.get(t);
      if (p !== undefined && p !== file.path) enqueue({ path: p, mode, why: `imported by ${file.path}` });
    }
  }
  for (const s of file.strings) {
    const target = resolveMember(tree.files, file.path, s.value);
    if (target === undefined || target === file.path) continue;
    const inExec = insideCall(s.node, file, (callee) => EXEC_CALLS.has(callee) || callee === 'open');
    if (target.endsWith('.py') || inExec) enqueue({ path: target, mode: 'all', why: `named by ${file.path}` });
  }

  for (const call of file.calls) {
    const { callee, node, line } = call;
    const base = callee.replace(/\(\)$/, '');
    const args = node.getChild('ArgList');
    const argText = args === null ? '' : src(args);
    const resolve = file.resolve;
    if (isNetworkCall(callee)) {
      add('network', 'high', line, `network access ${when} (${base})`);
    }
    if (PROCESS_CALLS.has(base) || /^os\.(exec|spawn)/.test(base)) {
      const literal = stringsIn(args, file).join(' ');
      if (SHELL_DOWNLOAD.test(literal)) add('process-download', 'critical', line, `runs a shell command that downloads or runs a payload ${when} (${base})`);
      else add('process', 'medium', line, `starts a process ${when} (${base})`);
    }
    if (EXEC_CALLS.has(base) && args !== null) {
      const taint = taintOf(args, resolve, src, file.tainted);
      if (taint === 'downloaded') add('exec-downloaded', 'critical', line, `executes code fetched from the network ${when}`);
      else if (taint === 'decoded') add('exec-decoded', 'critical', line, `executes decoded or decompressed data ${when} (${base})`);
      else if (!/^\(\s*(['"][^'"]*['"])?\s*\)$/.test(argText)) add('dynamic-exec', 'low', line, `executes a string built at run time ${when} (${base})`);
    }
    if (UNPICKLE.has(base) && args !== null && taintOf(args, resolve, src, file.tainted) !== undefined) {
      add('exec-decoded', 'critical', line, `unpickles decoded data, which runs code ${when} (${base})`);
    } else if (base === 'marshal.loads') {
      add('obfuscation', 'medium', line, `loads marshalled bytecode ${when}`);
    }
    if ((base === 'open' || base === 'io.open' || base === 'codecs.open' || /\.(write_text|write_bytes|open)$/.test(base)) && args !== null) {
      const mode = /\.(write_text|write_bytes)$/.test(base) ? 'w' : openMode(args, file);
      if (/[wax+]/.test(mode)) {
        const target = base === 'open' || base === 'io.open' || base === 'codecs.open' ? args.firstChild?.nextSibling ?? null : node.firstChild;
        const danger = target === null ? undefined : outsideBuildDir(target, file);
        if (danger !== undefined) add('write-outside', 'high', line, `writes outside the build directory ${when} (${danger})`);
      }
    }
    if (WRITE_CALLS.has(base) && args !== null) {
      const danger = outsideBuildDir(args, file);
      if (danger !== undefined) add('write-outside', 'high', line, `changes files outside the build directory ${when} (${base}: ${danger})`);
    }
    if ((base === 'os.getenv' || base === 'os.environ.get' || base === 'os.environ.pop') && args !== null) {
      const name = stringsIn(args, file)[0];
      if (name !== undefined && SECRET_ENV.test(name)) add('env-credentials', 'medium', line, `reads the secret-looking environment variable '${name}' ${when}`);
    }
    if ((base === 'os.environ.copy' || base === 'os.environ.items') || ((base === 'dict' || base === 'str' || base === 'json.dumps' || base === 'repr') && /^\(\s*os\.environ\s*\)$/.test(argText))) {
      add('env-dump', 'medium', line, `collects the whole environment ${when}`);
    }
    if (callee === '__import__()' || callee === 'importlib.import_module()') {
      // resolve() turned a literal __import__('x') into 'x'; what is left has a computed name.
      add('obfuscation', 'medium', line, `imports a module whose name is computed ${when}`);
    }
    if (base === 'getattr' && args !== null) {
      const first = args.firstChild?.nextSibling ?? null;
      const second = first?.nextSibling?.nextSibling ?? null;
      const obj = first === null ? '' : resolve(first);
      if (second !== null && second.name !== 'String' && /^(builtins|__builtins__|os|subprocess|socket)$/.test(obj)) {
        add('obfuscation', 'medium', line, `looks up a member of ${obj} by a computed name ${when}`);
      }
    }
    if (base === 'setuptools.setup' || base === 'distutils.core.setup' || base === 'setup') {
      const cmd = /cmdclass\s*=\s*\{([^}]*)\}/.exec(argText)?.[1] ?? '';
      for (const m of cmd.matchAll(/['"](\w+)['"]\s*:/g)) {
        if (INSTALL_COMMANDS.has(m[1]!)) add('custom-install-command', 'medium', line, `setup() replaces the '${m[1]}' command with its own code`);
      }
    }
  }
  // Subscripts of os.environ with secret-looking literal names.
  walk(file.top, (n) => {
    if (n.name !== 'MemberExpression') return;
    const text = src(n);
    const m = /^os\.environ\s*\[\s*(['"])([^'"]+)\1\s*\]$/.exec(text);
    if (m !== null && SECRET_ENV.test(m[2]!) && file.calls.length >= 0 && isExecuted(n, file)) {
      add('env-credentials', 'medium', lineOfNode(file, n), `reads the secret-looking environment variable '${m[2]}' ${when}`);
    }
  });
  for (const cls of file.classes) {
    const overridden = cls.bases.map((b) => b.split('.').pop() ?? b).filter((b) => INSTALL_COMMANDS.has(b));
    if (overridden.length > 0 && cls.methods.includes('run')) {
      add('custom-install-command', 'medium', cls.line, `class ${cls.name} overrides the '${overridden[0]}' command's run()`);
    }
  }
  let chrRun = 0;
  for (const s of file.strings) {
    for (const re of CREDENTIAL_PATHS) {
      if (re.test(s.value)) {
        // Build code naming a credential store is suspect wherever it does; an imported module
        // only when it hands the path to a call (a module-level table of file patterns is not).
        const used = mode === 'all' || insideCall(s.node, file, () => true);
        add('credentials', used ? 'high' : 'low', s.line, `names a credential store ${when} ('${shorten(s.value)}')`);
        break;
      }
    }
    for (const re of PERSISTENCE_PATHS) {
      if (re.test(s.value) && insideCall(s.node, file, (c) => c === 'open' || WRITE_CALLS.has(c) || /\.(write_text|write_bytes)$/.test(c))) {
        add('write-outside', 'high', s.line, `writes to a startup or shell file ${when} ('${shorten(s.value)}')`);
        break;
      }
    }
    if (s.value.length >= 1000 && /^[A-Za-z0-9+/=\s_-]+$/.test(s.value) && !/\s{2,}/.test(s.value.trim())) {
      add('encoded-blob', 'medium', s.line, `holds a ${s.value.length}-character encoded blob`);
    }
    if ((s.raw.match(/\\x[0-9a-fA-F]{2}/g)?.length ?? 0) >= 64 && !/^[rR]?[bB]/.test(s.raw)) {
      add('obfuscation', 'medium', s.line, 'a text literal written almost entirely as \\x escapes');
    }
  }
  for (const call of file.calls) {
    if (call.callee === 'chr') chrRun++;
  }
  if (chrRun >= 16) add('chr-chain', 'medium', file.calls.find((c) => c.callee === 'chr')!.line, `builds strings from ${chrRun} chr() calls`);
  if (file.longestLine > 5000 && file.path.endsWith('.py')) {
    add('long-line', 'low', 1, `a line of ${file.longestLine} characters (minified or packed code)`);
  }
}

/** A network finding together with credential reading or an environment dump is exfiltration. */
function correlate(tree: SourceTree, findings: Finding[]): Finding[] {
  const network = findings.find((f) => f.rule === 'network' || f.rule === 'exec-downloaded');
  const secret = findings.find((f) => (f.rule === 'credentials' || f.rule === 'env-credentials' || f.rule === 'env-dump') && f.severity !== 'low');
  if (network !== undefined && secret !== undefined) {
    findings.push({
      ...finding(tree, 'install-time-code', 'exfiltration', 'critical', secret.file, secret.line, secret.excerpt ?? '', `reads secrets (${secret.rule}) and reaches the network (${network.file}:${network.line}) in code that runs on install or import`),
    });
  }
  return findings;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}\u0000${f.file ?? ''}\u0000${f.line ?? 0}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function finding(
  tree: SourceTree,
  kind: 'install-time-code',
  rule: string,
  severity: FindingSeverity,
  file: string | undefined,
  line: number | undefined,
  excerpt: string,
  message: string,
): Finding {
  return {
    assessor: 'install-code',
    kind,
    name: '',
    distribution: tree.distribution,
    ...(file === undefined ? {} : { file }),
    ...(line === undefined ? {} : { line }),
    rule,
    severity,
    ...(excerpt === '' ? {} : { excerpt }),
    message,
  };
}

type Node = ParsedFile['top'];

const callIndexes = new WeakMap<ParsedFile, Map<string, ParsedFile['calls'][number]>>();
/** The recorded call at exactly this node, in O(1) (big generated files have many calls). */
function callAt(file: ParsedFile, n: { from: number; to: number }): ParsedFile['calls'][number] | undefined {
  let index = callIndexes.get(file);
  if (index === undefined) {
    index = new Map<string, ParsedFile['calls'][number]>();
    for (const c of file.calls) index.set(`${c.node.from}:${c.node.to}`, c);
    callIndexes.set(file, index);
  }
  return index.get(`${n.from}:${n.to}`);
}

function walk(n: Node, visit: (n: Node) => void): void {
  visit(n);
  for (let c = n.firstChild; c !== null; c = c.nextSibling) walk(c, visit);
}

function lineOfNode(file: ParsedFile, n: Node): number {
  return lineOf(file.lines, n.from);
}

/** Whether `n` is inside code this file's analysis counted as executed (a recorded call or string). */
function isExecuted(n: Node, file: ParsedFile): boolean {
  for (let p: Node | null = n; p !== null; p = p.parent) {
    if (p.name === 'CallExpression' && callAt(file, p) !== undefined) return true;
    if (p.name === 'FunctionDefinition') return file.calls.some((c) => c.node.from >= p.from && c.node.to <= p.to);
  }
  return true;
}

function insideCall(n: Node, file: ParsedFile, test: (callee: string) => boolean): boolean {
  for (let p = n.parent; p !== null; p = p.parent) {
    if (p.name !== 'CallExpression') continue;
    const call = callAt(file, p);
    if (call !== undefined && test(call.callee.replace(/\(\)$/, ''))) return true;
  }
  return false;
}

function stringsIn(n: Node | null, file: ParsedFile): string[] {
  const out: string[] = [];
  if (n === null) return out;
  walk(n, (c) => {
    if (c.name === 'String') out.push(stringValue(file.text.slice(c.from, c.to)));
  });
  return out;
}

function openMode(args: Node, file: ParsedFile): string {
  const parts: Node[] = [];
  for (let c = args.firstChild; c !== null; c = c.nextSibling) parts.push(c);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.name === 'VariableName' && file.text.slice(p.from, p.to) === 'mode' && parts[i + 1]?.name === 'AssignOp') {
      const v = parts[i + 2];
      return v?.name === 'String' ? stringValue(file.text.slice(v.from, v.to)) : 'w';
    }
  }
  const positional = parts.filter((p) => p.name !== '(' && p.name !== ')' && p.name !== ',');
  const second = positional[1];
  if (second === undefined) return 'r';
  return second.name === 'String' ? stringValue(file.text.slice(second.from, second.to)) : 'w';
}

/** Why an expression names a place outside the build directory, or undefined. */
function outsideBuildDir(expr: Node, file: ParsedFile): string | undefined {
  let why: string | undefined;
  walk(expr, (c) => {
    if (why !== undefined) return;
    if (c.name === 'String') {
      const v = stringValue(file.text.slice(c.from, c.to));
      if (/^~/.test(v)) why = `the home directory '${shorten(v)}'`;
      else if (/^\/(?!tmp\/|dev\/null)/.test(v) || /^[A-Za-z]:\\/.test(v)) why = `the absolute path '${shorten(v)}'`;
      else if (/%APPDATA%|%USERPROFILE%|\$HOME/.test(v)) why = `'${shorten(v)}'`;
    }
    if (c.name === 'CallExpression' || c.name === 'MemberExpression') {
      const call = callAt(file, c);
      const name = call?.callee ?? '';
      if (HOME_CALLS.test(name.replace(/\(\)$/, ''))) why = `a path from ${name.replace(/\(\)$/, '')}`;
      const text = file.text.slice(c.from, c.to);
      if (/^os\.environ\s*\[\s*['"](HOME|APPDATA|USERPROFILE|LOCALAPPDATA)['"]\s*\]/.test(text)) why = `a path from ${text}`;
    }
  });
  return why;
}

/** The archive member a string literal in `from` names (relative to that file or the root). */
function resolveMember(files: ReadonlyMap<string, string>, from: string, value: string): string | undefined {
  if (value.length === 0 || value.length > 300 || /[\n\0*?]/.test(value) || !/\.[A-Za-z0-9]+$/.test(value)) return undefined;
  const clean = value.replace(/^\.\//, '');
  const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : '';
  for (const candidate of [dir === '' ? clean : `${dir}/${clean}`, clean]) {
    const normal = candidate.split('/').reduce<string[]>((acc, part) => {
      if (part === '..') acc.pop();
      else if (part !== '.' && part !== '') acc.push(part);
      return acc;
    }, []).join('/');
    if (files.has(normal)) return normal;
  }
  return undefined;
}

function shorten(text: string, max = 60): string {
   
  const safe = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}
