// Mocha root hooks (loaded with --require): stop the shared test database
// server at the end of the run, pass or fail. If the run is killed instead,
// the server's watchdog stops it and removes its directory.

import { stopSharedServer } from './database.js';

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await stopSharedServer();
  },
};
