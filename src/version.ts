// The program version, read once from package.json (shipped beside dist/).

import { readFileSync } from 'node:fs';

export const VERSION: string = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
})();
