import { expect } from 'chai';
import { isSippyError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { validateParams } from '../../../src/rpc/param-schemas.js';
import { routeRequest } from '../../../src/rpc/methods.js';
import { createResolver, type RouteRequest } from '../../../src/routing/index.js';

// The resolver repeats the params' bounds before it touches the database;
// the database here is a stand-in that only says it was reached.
describe('the resolver: its own check of the request', () => {
  const reached = new Error('reached the database');
  const resolver = createResolver(
    () => {
      throw reached;
    },
    { logger: silentLogger },
  );

  async function outcome(request: RouteRequest): Promise<'database' | string> {
    try {
      await resolver.resolve(1, request);
      return 'resolved';
    } catch (err) {
      if (err === reached) return 'database';
      return isSippyError(err) ? err.code : String(err);
    }
  }

  it('counts characters as the params schema does (code points): what the schema accepts, it accepts', async () => {
    const astral = '\u{1F4DE}';
    const params = { routing_group: astral.repeat(128), cld: astral.repeat(64), cli: astral.repeat(64) };
    expect(() => validateParams('getRoutes', params)).not.to.throw();
    expect(await outcome(routeRequest(params, { environment: 1, now: () => 0 }))).to.equal('database');
  });

  it('refuses what the schema refuses, counted the same way', async () => {
    const astral = '\u{1F4DE}';
    const base = routeRequest({ routing_group: 'g', cld: '1' }, { environment: 1, now: () => 0 });
    for (const bad of [{ cld: astral.repeat(65) }, { cld: '' }, { cli: '1'.repeat(65) }, { routing_group: astral.repeat(129) }, { hops: 17 }]) {
      expect(await outcome({ ...base, ...bad }), JSON.stringify(bad).slice(0, 40)).to.equal('RPC_INVALID_PARAMS');
    }
  });
});
