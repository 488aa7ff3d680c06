// Builds real sdists (PEP 625 tar.gz) and wheels (PEP 427 zip) for the scan tests, benign and
// hostile, from a map of member paths to source text.
import { buildTarGz, buildZip, coreMetadata } from '../artifact/archive-builders.js';

export async function sdist(name: string, version: string, files: Record<string, string>, metadataExtra: string[] = ['Author: A. Person', 'Home-page: https://example.org']): Promise<{ filename: string; bytes: Uint8Array }> {
  const root = `${name.replace(/-/g, '_')}-${version}`;
  const entries = [
    { name: `${root}/PKG-INFO`, data: coreMetadata(name, version, [], metadataExtra) },
    ...Object.entries(files).map(([path, data]) => ({ name: `${root}/${path}`, data })),
  ];
  return { filename: `${root}.tar.gz`, bytes: new Uint8Array(await buildTarGz(entries)) };
}

export function wheel(name: string, version: string, files: Record<string, string>, metadataName = name): { filename: string; bytes: Uint8Array } {
  const stem = `${name.replace(/-/g, '_')}-${version}`;
  const entries = [
    ...Object.entries(files).map(([path, data]) => ({ name: path, data })),
    { name: `${stem}.dist-info/METADATA`, data: coreMetadata(metadataName, version, [], ['Author: A. Person']) },
    { name: `${stem}.dist-info/WHEEL`, data: 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
    { name: `${stem}.dist-info/RECORD`, data: '' },
  ];
  return { filename: `${stem}-py3-none-any.whl`, bytes: new Uint8Array(buildZip(entries)) };
}
