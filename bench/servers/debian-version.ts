// Versions of the Debian-packaged peers, as dpkg knows them ("0.12.3-1+deb12u1" → "0.12.3").
import { execFileSync } from 'node:child_process';

export function debianVersion(pkg: string): string | undefined {
  try {
    const version = execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (!version) return undefined;
    return version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
  } catch {
    return undefined;
  }
}
