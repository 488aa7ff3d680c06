// Publisher globs for source parties: `publishers = ["github:pallets/*"]` matches a PEP 740
// publisher identity (`PublisherIdentity.id`, e.g. `github:pallets/flask`). Pure.

const cache = new Map<string, RegExp>();

/**
 * Whether `glob` matches the whole of `id`. `*` matches within one `/`-separated segment, `**`
 * across segments; everything else is literal (case-sensitive, as the certificate names it).
 */
export function matchesPublisher(glob: string, id: string): boolean {
  let re = cache.get(glob);
  if (re === undefined) {
    let src = '';
    for (let i = 0; i < glob.length; i++) {
      const c = glob[i]!;
      if (c === '*' && glob[i + 1] === '*') {
        src += '.*';
        i++;
      } else if (c === '*') src += '[^/]*';
      else src += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    re = new RegExp(`^${src}$`, 's');
    cache.set(glob, re);
  }
  return re.test(id);
}
