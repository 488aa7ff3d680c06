// Static analysis of one Python source file with a real parser (@lezer/python): which names it
// imports, which calls it makes from code that runs when the file is executed or imported, and
// what flows into them (decoders, downloads). install-code.ts turns these facts into findings.
// Pure: no file is read or run.
import { parser } from '@lezer/python';
import type { SyntaxNode } from '@lezer/common';

/** How much of a file runs: all of it (setup.py and what it pulls in), or what an import runs. */
export type ExecutionMode = 'all' | 'import';

export interface ImportFact {
  /** The absolute module named (`a.b`), or for a relative import the dots and the rest (`..a`). */
  module: string;
  /** The names a `from` import takes (`from a import b, c` → [b, c]); empty for `import a`. */
  names: string[];
  line: number;
}

export interface CallFact {
  /** The callee as a dotted name with aliases resolved: `base64.b64decode`, `open().write`. */
  callee: string;
  node: SyntaxNode;
  line: number;
}

export interface ParsedFile {
  path: string;
  text: string;
  top: SyntaxNode;
  lines: readonly number[];
  imports: ImportFact[];
  calls: CallFact[];
  /** Class definitions in executed code with their resolved base names. */
  classes: { name: string; bases: string[]; methods: string[]; line: number }[];
  /** String literals in executed code (decoded best-effort), with their lines. */
  strings: { value: string; raw: string; line: number; node: SyntaxNode }[];
  /** Names assigned from something tainted: the variable name → the taint. */
  tainted: Map<string, Taint>;
  /** The file did not parse cleanly (lezer recovers; error nodes were present). */
  parseErrors: number;
  longestLine: number;
  /** The dotted name an expression refers to, aliases resolved (`b.b64decode` → `base64.b64decode`). */
  resolve: (n: SyntaxNode | null) => string;
}

export type Taint = 'decoded' | 'downloaded';

const DECODERS = new Set([
  'base64.b64decode', 'base64.b32decode', 'base64.b16decode', 'base64.b85decode', 'base64.a85decode',
  'base64.decodebytes', 'base64.decodestring', 'base64.standard_b64decode', 'base64.urlsafe_b64decode',
  'binascii.a2b_base64', 'binascii.unhexlify', 'binascii.a2b_hex', 'bytes.fromhex', 'bytearray.fromhex',
  'zlib.decompress', 'gzip.decompress', 'bz2.decompress', 'lzma.decompress', 'marshal.loads',
  'codecs.decode', 'pickle.loads', 'cPickle.loads', 'dill.loads', 'cryptography.fernet.Fernet().decrypt',
]);

export const NETWORK_CALLS = [
  'urllib.request.urlopen', 'urllib.request.urlretrieve', 'urllib.request.Request', 'urllib.request.build_opener',
  'urllib.urlopen', 'urllib.urlretrieve', 'urllib2.urlopen', 'urllib2.Request',
  'requests.get', 'requests.post', 'requests.put', 'requests.patch', 'requests.delete', 'requests.request',
  'requests.head', 'requests.Session', 'requests.session',
  'httpx.get', 'httpx.post', 'httpx.put', 'httpx.request', 'httpx.Client', 'httpx.AsyncClient', 'httpx.stream',
  'http.client.HTTPConnection', 'http.client.HTTPSConnection', 'httplib.HTTPConnection', 'httplib.HTTPSConnection',
  'urllib3.PoolManager', 'urllib3.request', 'urllib3.connection_from_url', 'aiohttp.ClientSession', 'aiohttp.request',
  'socket.socket().connect', 'socket.socket().connect_ex', 'socket.socket().sendto', 'socket.create_connection', 'socket.gethostbyname', 'socket.getaddrinfo',
  'ftplib.FTP', 'ftplib.FTP_TLS', 'smtplib.SMTP', 'smtplib.SMTP_SSL', 'telnetlib.Telnet', 'pycurl.Curl',
  'websocket.create_connection', 'websockets.connect', 'paramiko.SSHClient', 'xmlrpc.client.ServerProxy',
  'dns.resolver.resolve', 'dns.resolver.query', 'webbrowser.open',
];
const NETWORK = new Set(NETWORK_CALLS);

/** Where a call's callee, once resolved, comes from the network. */
export function isNetworkCall(callee: string): boolean {
  const base = callee.replace(/\(\)$/, '');
  return NETWORK.has(base) || NETWORK.has(callee);
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

export function lineOf(lines: readonly number[], pos: number): number {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lines[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** The text of a line, trimmed and shortened, control characters escaped: safe for a terminal. */
export function excerptAt(file: Pick<ParsedFile, 'text' | 'lines'>, line: number, max = 160): string {
  const start = file.lines[line - 1] ?? 0;
  const end = file.lines[line] ?? file.text.length;
   
  let text = file.text.slice(start, end).trim().replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  return text;
}

/** The value of a string literal node, best effort (escapes \n, \t, \xNN, \uNNNN, quotes). */
export function stringValue(raw: string): string {
  const m = /^([rRbBuUfF]{0,2})('''|"""|'|")([\s\S]*)\2$/.exec(raw);
  if (m === null) return raw;
  const body = m[3] ?? '';
  if (/r/i.test(m[1] ?? '')) return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x' || e[0] === 'u' || e[0] === 'U') return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return { n: '\n', t: '\t', r: '\r', '0': '\0' }[e] ?? e;
  });
}

/** Parses and indexes one file; `mode` decides which function bodies count as executed. */
export function parsePythonFile(path: string, text: string, mode: ExecutionMode): ParsedFile {
  const tree = parser.parse(text);
  const top = tree.topNode;
  const lines = lineStarts(text);
  let longestLine = 0;
  for (let i = 0; i < lines.length; i++) longestLine = Math.max(longestLine, (lines[i + 1] ?? text.length + 1) - lines[i]! - 1);
  const src = (n: SyntaxNode): string => text.slice(n.from, n.to);
  const file: ParsedFile = {
    path, text, top, lines, imports: [], calls: [], classes: [], strings: [], tainted: new Map(), parseErrors: 0, longestLine,
    resolve: () => '?',
  };
  const aliases = new Map<string, string>();

  // Pass 1: imports anywhere (an import inside a function still tells what the name means).
  const functions = new Map<string, SyntaxNode>();
  const allFunctions: SyntaxNode[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) file.parseErrors++;
      if (ref.name === 'FunctionDefinition') {
        allFunctions.push(ref.node);
        const name = ref.node.getChild('VariableName');
        if (name !== null && !functions.has(src(name))) functions.set(src(name), ref.node);
      }
      if (ref.name !== 'ImportStatement') return;
      readImport(ref.node, src, aliases, (fact) => (fact.line = lineOf(lines, ref.from), fact), file);
    },
  });

  const resolve = (n: SyntaxNode | null): string => {
    if (n === null) return '?';
    switch (n.name) {
      case 'VariableName': {
        const name = src(n);
        return aliases.get(name) ?? name;
      }
      case 'MemberExpression': {
        const object = n.firstChild;
        const prop = n.getChild('PropertyName');
        if (prop === null) return `${resolve(object)}[]`;
        return `${resolve(object)}.${src(prop)}`;
      }
      case 'CallExpression': {
        const callee = resolve(n.firstChild);
        const args = n.getChild('ArgList');
        const first = args?.firstChild?.nextSibling ?? null;
        // __import__('os') and importlib.import_module('os') are the module they import.
        if ((callee === '__import__' || callee === 'importlib.import_module') && first?.name === 'String') return stringValue(src(first));
        // getattr(os, 'system') is os.system.
        if (callee === 'getattr' && first !== null) {
          const second = first.nextSibling?.nextSibling ?? null;
          if (second?.name === 'String') return `${resolve(first)}.${stringValue(src(second))}`;
        }
        return `${callee}()`;
      }
      case 'String':
        return "''";
      case 'ParenthesizedExpression':
        return resolve(n.firstChild?.nextSibling ?? null);
      default:
        return '?';
    }
  };

  file.resolve = resolve;
  const importedNames = new Set(aliases.keys());
  const skip = (n: SyntaxNode): boolean =>
    mode === 'import' && n.name === 'IfStatement' && isMainGuard(text.slice(n.from, n.from + 200).split(':')[0] ?? '');

  // Which function bodies run: all in 'all' mode; in 'import' mode those called from module level
  // (transitively), since a module's functions only run when something calls them.
  // Keyed by start offset: lezer hands out a fresh SyntaxNode object on every traversal.
  const executedFunctions = new Set<number>();
  if (mode === 'all') for (const fn of allFunctions) executedFunctions.add(fn.from);
  else {
    const pending: SyntaxNode[] = [top];
    const seen = new Set<number>();
    while (pending.length > 0) {
      const scope = pending.pop()!;
      if (seen.has(scope.from) && scope !== top) continue;
      seen.add(scope.from);
      walkExecuted(scope, scope === top ? undefined : scope, new Set(), (n) => {
        if (n.name !== 'CallExpression') return;
        const mark = (ref: SyntaxNode | null): void => {
          if (ref?.name !== 'VariableName') return;
          const fn = functions.get(src(ref));
          if (fn !== undefined && !executedFunctions.has(fn.from)) {
            executedFunctions.add(fn.from);
            pending.push(fn);
          }
        };
        mark(n.firstChild);
        // A function handed to a call (atexit.register(f), Thread(target=f), map(f, …)) is taken
        // to run: attackers schedule payloads that way to dodge "called at module level".
        for (let a = n.getChild('ArgList')?.firstChild ?? null; a !== null; a = a.nextSibling) {
          if (a.name === 'VariableName' && a.nextSibling?.name !== 'AssignOp') mark(a);
        }
      }, skip);
    }
  }

  // Pass 2: facts from executed code.
  const assignments: { target: string; value: SyntaxNode }[] = [];
  walkExecuted(top, undefined, executedFunctions, (n) => {
    switch (n.name) {
      case 'CallExpression':
        file.calls.push({ callee: resolve(n.firstChild), node: n, line: lineOf(lines, n.from) });
        break;
      case 'String': {
        const raw = src(n);
        file.strings.push({ value: stringValue(raw), raw, line: lineOf(lines, n.from), node: n });
        break;
      }
      case 'ClassDefinition': {
        const name = n.getChild('VariableName');
        const bases = n.getChild('ArgList');
        const body = n.getChild('Body');
        const baseNames: string[] = [];
        for (let c = bases?.firstChild ?? null; c !== null; c = c.nextSibling) {
          if (c.name === 'VariableName' || c.name === 'MemberExpression') baseNames.push(resolve(c));
        }
        const methods: string[] = [];
        for (let c = body?.firstChild ?? null; c !== null; c = c.nextSibling) {
          const def = c.name === 'DecoratedStatement' ? c.getChild('FunctionDefinition') : c;
          if (def?.name === 'FunctionDefinition') {
            const m = def.getChild('VariableName');
            if (m !== null) methods.push(src(m));
          }
        }
        file.classes.push({ name: name === null ? '?' : src(name), bases: baseNames, methods, line: lineOf(lines, n.from) });
        break;
      }
      case 'AssignStatement': {
        const target = n.firstChild;
        const value = n.lastChild;
        if (target?.name === 'VariableName' && value !== null && value.from !== target.from) {
          assignments.push({ target: src(target), value });
          // `s = socket.socket()` then `s.connect(...)`: the name stands for the call's result.
          const name = src(target);
          if (value.name === 'CallExpression' && !importedNames.has(name)) aliases.set(name, resolve(value));
        }
        break;
      }
    }
  }, skip);
  // Taint: names assigned from a decoder or a download, to a fixed point (x = b64decode(..); y = x).
  let changed = true;
  while (changed) {
    changed = false;
    for (const { target, value } of assignments) {
      if (file.tainted.has(target)) continue;
      const taint = taintOf(value, resolve, src, file.tainted);
      if (taint !== undefined) {
        file.tainted.set(target, taint);
        changed = true;
      }
    }
  }
  return file;
}

/** Whether an expression holds decoded or downloaded data (a decoder or download call inside it). */
export function taintOf(
  node: SyntaxNode,
  resolve: (n: SyntaxNode | null) => string,
  src: (n: SyntaxNode) => string,
  tainted: ReadonlyMap<string, Taint>,
): Taint | undefined {
  let found: Taint | undefined;
  let chrCalls = 0;
  const visit = (n: SyntaxNode): void => {
    if (found === 'downloaded') return;
    if (n.name === 'CallExpression') {
      const callee = resolve(n.firstChild);
      if (isNetworkCall(callee) || /^(urllib\.request\.urlopen|requests\.get|requests\.post|urllib2\.urlopen)\(\)/.test(callee)) {
        found = 'downloaded';
        return;
      }
      if (DECODERS.has(callee) || /\.decompress$/.test(callee) || /^codecs\.decode$/.test(callee)) found = 'decoded';
      if (callee === 'chr') chrCalls++;
      const args = n.getChild('ArgList');
      // 'x'.decode('rot13'/'base64'/'hex'), the Python 2 codec spellings
      if (/\.decode$/.test(callee) && args !== null && /rot.?13|base64|hex|zlib|bz2/i.test(src(args))) found = 'decoded';
    }
    if (n.name === 'MemberExpression' && /\[\s*:\s*:\s*-1\s*\]$/.test(src(n))) found ??= 'decoded';
    if (n.name === 'VariableName') {
      const t = tainted.get(src(n));
      if (t !== undefined) found = t;
    }
    for (let c = n.firstChild; c !== null; c = c.nextSibling) visit(c);
  };
  visit(node);
  if (chrCalls >= 4) found ??= 'decoded';
  return found;
}

function readImport(
  node: SyntaxNode,
  src: (n: SyntaxNode) => string,
  aliases: Map<string, string>,
  locate: (fact: ImportFact) => ImportFact,
  file: ParsedFile,
): void {
  const parts: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) parts.push(c);
  if (parts[0]?.name === 'from') {
    let module = '';
    let i = 1;
    for (; i < parts.length && parts[i]!.name !== 'import'; i++) module += src(parts[i]!);
    const names: string[] = [];
    for (i++; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.name !== 'VariableName') continue;
      const name = src(p);
      names.push(name);
      let local = name;
      if (parts[i + 1]?.name === 'as' && parts[i + 2]?.name === 'VariableName') {
        local = src(parts[i + 2]!);
        i += 2;
      }
      if (!module.startsWith('.')) aliases.set(local, `${module}.${name}`);
    }
    file.imports.push(locate({ module, names, line: 0 }));
    return;
  }
  // import a.b.c [as d], e
  let dotted = '';
  for (let i = 1; i <= parts.length; i++) {
    const p = parts[i];
    if (p === undefined || p.name === ',') {
      if (dotted !== '') {
        file.imports.push(locate({ module: dotted, names: [], line: 0 }));
        const head = dotted.split('.')[0]!;
        if (!aliases.has(head)) aliases.set(head, head);
      }
      dotted = '';
      continue;
    }
    if (p.name === 'as') {
      const alias = parts[i + 1];
      if (alias !== undefined) aliases.set(src(alias), dotted);
      file.imports.push(locate({ module: dotted, names: [], line: 0 }));
      dotted = '';
      i++;
      continue;
    }
    dotted += src(p);
  }
}

/**
 * Visits the nodes of `scope` that run when it runs: function bodies only when `executed` holds
 * the function, lambdas never (a lambda runs when called, and its calls are seen where it is).
 */
function walkExecuted(scope: SyntaxNode, self: SyntaxNode | undefined, executed: ReadonlySet<number>, visit: (n: SyntaxNode) => void, skip: (n: SyntaxNode) => boolean): void {
  const stack: SyntaxNode[] = [];
  for (let c = scope.firstChild; c !== null; c = c.nextSibling) stack.push(c);
  stack.reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    // `if __name__ == "__main__":` runs when the file is a script, never when it is imported.
    if (skip(n)) continue;
    if (n.name === 'FunctionDefinition' && n.from !== self?.from && !executed.has(n.from)) {
      // Default values and decorators run at definition time; the body does not.
      const params = n.getChild('ParamList');
      if (params !== null) stack.push(params);
      continue;
    }
    visit(n);
    const children: SyntaxNode[] = [];
    for (let c = n.firstChild; c !== null; c = c.nextSibling) children.push(c);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

/** `if __name__ == "__main__":` (possibly `and`-ed with another test): the block runs only as a script. */
function isMainGuard(condition: string): boolean {
  return /^if\b.*__name__\s*==\s*['"]__main__['"]/.test(condition) && !/\bor\b/.test(condition);
}
