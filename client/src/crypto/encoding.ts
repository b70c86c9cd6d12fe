/** Unambiguous byte encodings for what gets signed, hashed or fed to HKDF. */

/** Concatenates fields, each prefixed with its byte length (u32 BE), so no two field lists encode alike. */
export function lengthPrefixed(...fields: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [];
  for (const field of fields) {
    const bytes = typeof field === 'string' ? Buffer.from(field, 'utf8') : field;
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(bytes.length, 0);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}
