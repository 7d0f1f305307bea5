// Debian's Chromium driven by playwright-core, with the flags this machine needs; never a downloaded browser.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install chromium (CI's .ci/run does).`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * Collects what the page's Content-Security-Policy refused (Chromium reports each refusal on the console as
 * "Refused to … because it violates the following Content Security Policy directive …").
 */
export function watchCspViolations(page: Page): () => string[] {
  const refused: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy/i.test(text)) refused.push(text);
  });
  return () => [...refused];
}
