// Mocha root hooks (loaded with --require): at the end of the run, pass or
// fail, stop the shared test database server, then fail the run if any test
// left a private server of its own running (after stopping it). If the run
// is killed instead, each server's watchdog stops it and removes its
// directory.

import { stopSharedServer } from './database.js';
import { PrivateServer } from '../../src/db/private-server.js';

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await stopSharedServer();
    const leaked = [...PrivateServer.running];
    await Promise.all(leaked.map((server) => server.destroy()));
    if (leaked.length > 0) {
      throw new Error(`tests left ${leaked.length} private database server(s) running: ${leaked.map((s) => s.dir).join(', ')}`);
    }
  },
};
