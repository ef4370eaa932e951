// Received file names are hostile input: a name chooses where bytes land on disk. Keep only a
// plain name — no separators, no "..", no absolute paths, no control characters, no Windows
// reserved device names — so a file offer can never write outside the chosen directory.
import { utf8ByteLength } from '@ferry/protocol/bytes';

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const MAX_NAME_BYTES = 200;

/** A safe plain file name from one a peer sent: use it before joining a received name to a folder. */
export function sanitizeFileName(name: string): string {
  let clean = name
    .normalize('NFC')
    // Take the last path component of either separator style: "a/b\\c.txt" → "c.txt".
    .split(/[/\\]/)
    .pop()!
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .trim()
    // Windows strips trailing dots and spaces, which could turn "x.txt." into another file.
    .replace(/[. ]+$/, '');
  if (clean === '' || clean === '.' || clean === '..' || /^\.+$/.test(clean)) clean = 'received-file';
  if (WINDOWS_RESERVED.test(clean)) clean = `_${clean}`;
  while (utf8ByteLength(clean) > MAX_NAME_BYTES) clean = clean.slice(0, -1);
  return clean;
}
