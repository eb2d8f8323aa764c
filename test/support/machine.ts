/**
 * What the test suite needs from the machine besides node_modules, and how to get each on Debian
 * (`bash .ci/run` installs them all). `npm test` checks first (pretest), so a missing one stops it
 * at once with one line instead of failing minutes later.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Chromium, driven by playwright-core in test/e2e (no browser is ever downloaded). */
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_MISSING = `no Chromium at ${CHROMIUM} for the console tests (test/e2e): install it with apt-get install chromium (Debian), or run bash .ci/run, which installs what is missing`;

/** One line per missing tool, saying how to install it; empty when the machine has everything. */
export function missingTools(): string[] {
  const missing: string[] = [];
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0)
    missing.push(
      'no Java for DynamoDB Local (integration and local tests): install it with apt-get install openjdk-17-jre-headless (Debian)',
    );
  if (!existsSync(CHROMIUM)) missing.push(CHROMIUM_MISSING);
  const fonts = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  if (fonts.error || !fonts.stdout.trim())
    missing.push(
      `no Chinese font for the console test that checks 削峰 renders: install one with apt-get install ${fonts.error ? 'fontconfig ' : ''}fonts-noto-cjk (Debian)`,
    );
  return missing;
}
