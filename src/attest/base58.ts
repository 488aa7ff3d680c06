// base58btc (the Bitcoin alphabet), the encoding behind the multibase 'z' prefix of did:key.
// Written here rather than taken from a package: it is thirty lines, and a dependency on the path
// that decides who signed a statement is one more thing to audit.

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Map([...ALPHABET].map((ch, i) => [ch, i]));

export function encodeBase58(bytes: Uint8Array): string {
  // Each leading zero byte is written as a leading '1'; the positional conversion would drop them.
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  let digits = '';
  while (value > 0n) {
    digits = ALPHABET.charAt(Number(value % 58n)) + digits;
    value /= 58n;
  }
  return '1'.repeat(zeros) + digits;
}

/** Decodes base58btc; returns undefined on a character outside the alphabet. */
export function decodeBase58(text: string): Uint8Array | undefined {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  let value = 0n;
  for (const ch of text) {
    const digit = INDEX.get(ch);
    if (digit === undefined) return undefined;
    value = value * 58n + BigInt(digit);
  }
  const body: number[] = [];
  while (value > 0n) {
    body.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...body]);
}
