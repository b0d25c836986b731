// Kamailio routes calls through the daemon: the shipped
// etc/kamailio/sippy_routed.cfg, as shipped but for its settings, run by
// real Kamailio (Debian's packages), in front of a real listener over
// MariaDB; a caller and three carriers are SIP user agents on loopback UDP.
// Where Kamailio is not installed (make deps installs it as root) the suite
// is one skipped line saying why.

import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../src/log.js';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { Listener } from '../../src/rpc/listener.js';
import { createResolver, type RoutingResolver } from '../../src/routing/index.js';
import { useFreshDatabase } from '../harness/database.js';
import { freeUdpPort, kamailioMissing, KamailioProcess } from '../harness/kamailio.js';
import { parseExposition, sampleValue } from '../harness/prometheus.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { call, makeSpec, makeTempDir, post, type TempDir } from '../harness/rpc.js';
import { Caller, Carrier, type CarrierBehaviour } from '../harness/sip-agents.js';
import { header, userOf } from '../harness/sip.js';

const ENV = 2;
const CLD = '4420712345678';
const CLI = '15551230000';
const missing = kamailioMissing();

if (missing !== undefined) {
  describe('Kamailio with the shipped sippy_routed.cfg', () => {
    it.skip(`skipped: ${missing} (make deps installs kamailio and kamailio-utils-modules as root)`);
  });
} else {
  describe('Kamailio with the shipped sippy_routed.cfg', function () {
    this.timeout(30_000);
    const database = useFreshDatabase();
    let dir: TempDir;
    let resolver: RoutingResolver;
    let metrics: DaemonMetrics;
    let listener: Listener;
    let daemonPort: number;
    let kamailio: KamailioProcess;
    let caller: Caller;
    const carriers: Record<'a' | 'b' | 'c', Carrier> = {} as never;

    /** The carriers that got a new INVITE, in the order Kamailio tried them. */
    const journal: string[] = [];
    const behave = (a: CarrierBehaviour, b: CarrierBehaviour, c: CarrierBehaviour): void => {
      journal.length = 0;
      carriers.a.reset(a);
      carriers.b.reset(b);
      carriers.c.reset(c);
    };
    const tried = (): string[] => [...journal];
    const getRoutesCalls = async (): Promise<number> =>
      sampleValue(parseExposition((await metrics.scrape()).text), 'sippy_routed_requests_total', { environment: String(ENV), method: 'getRoutes', outcome: 'ok' }) ?? 0;

    before(async () => {
      dir = makeTempDir('sr-kamailio-');
      for (const name of ['a', 'b', 'c'] as const) carriers[name] = await Carrier.start(`carrier-${name}`, journal);
      const fixture = new RoutingFixture(database().db, ENV);
      await fixture.environmentRow();
      const vendor = await fixture.vendor('Carriers');
      const group = await fixture.group({ name: 'Kamailio', policy: 'lcr' });
      const other = await fixture.group({ name: 'Other group', policy: 'lcr' });
      await fixture.group({ name: 'Nowhere' });
      // a: cheapest, its CLD translated, short timers; b: a sip: URI, its CLI translated; c: dearest.
      const specs = [
        { name: 'a', destination: `127.0.0.1:${carriers.a.port}`, cld: 's/^/00/', cli: null, price: '0.001000', timeout: 2, timeout_1xx: 1 },
        { name: 'b', destination: `sip:127.0.0.1:${carriers.b.port};transport=udp`, cld: null, cli: 's/^1/+1/', price: '0.002000', timeout: null, timeout_1xx: null },
        { name: 'c', destination: `127.0.0.1:${carriers.c.port}`, cld: null, cli: null, price: '0.003000', timeout: null, timeout_1xx: null },
      ];
      for (const spec of specs) {
        const connection = await fixture.connection({ vendor, name: `carrier-${spec.name}`, destination: spec.destination, cld_translation_rule: spec.cld, cli_translation_rule: spec.cli });
        const set = await fixture.destinationSet({ name: `set-${spec.name}` });
        await fixture.route(set, { prefix: '44', price_1: spec.price, timeout: spec.timeout, timeout_1xx: spec.timeout_1xx });
        await fixture.entry(group, connection, set);
        if (spec.name === 'c') await fixture.entry(other, connection, set);
      }
      resolver = createResolver(database().db, { logger: silentLogger });
      metrics = new DaemonMetrics();
      listener = new Listener(makeSpec({ kind: 'http', host: '127.0.0.1', port: 0 }, { environment: ENV, allow: ['127.0.0.1/32'] }), resolver, silentLogger, { metrics });
      await listener.start();
      daemonPort = (listener.address() as AddressInfo).port;
      const port = await freeUdpPort();
      kamailio = await KamailioProcess.start({ port, daemonUrl: `http://127.0.0.1:${daemonPort}`, routingGroup: 'Kamailio', groupHeader: 'X-Routing-Group', groupSeparator: '#' }, dir.path);
      caller = await Caller.start(port);
    });

    after(async () => {
      await caller?.stop();
      await kamailio?.stop();
      for (const carrier of Object.values(carriers)) await carrier?.stop();
      await listener?.stop(0);
      await resolver?.close();
      dir?.remove();
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') console.log(`kamailio's last lines:\n${kamailio.stderr.split('\n').slice(-40).join('\n')}`);
    });

    it('tries the routes in the order getRoutes answers them, moving on after a 503', async () => {
      const answer = (await post({ host: '127.0.0.1', port: daemonPort }, call('getRoutes', { routing_group: 'Kamailio', cld: CLD, cli: CLI }))).json as { result: { routes: { connection_name: string }[] } };
      behave('unavailable', 'unavailable', 'answer');
      const outcome = await caller.call({ cld: CLD, cli: CLI });
      expect(outcome.status).to.equal(200);
      expect(tried()).to.deep.equal(answer.result.routes.map((r) => r.connection_name));
      expect(tried()).to.deep.equal(['carrier-a', 'carrier-b', 'carrier-c']);
    });

    it("each carrier sees its connection's translated CLD in the request URI, and its translated CLI in From", async () => {
      behave('unavailable', 'unavailable', 'answer');
      await caller.call({ cld: CLD, cli: CLI });
      const [a, b, c] = [carriers.a.invites[0]!, carriers.b.invites[0]!, carriers.c.invites[0]!];
      expect([userOf(a.uri!), userOf(b.uri!), userOf(c.uri!)]).to.deep.equal([`00${CLD}`, CLD, CLD]);
      expect([userOf(header(a, 'from')!), userOf(header(b, 'from')!), userOf(header(c, 'from')!)]).to.deep.equal([CLI, `+${CLI}`, CLI]);
    });

    it('a carrier that never answers is left after its route\'s timeout_1xx (fr_timer), and the next route answers', async () => {
      behave('silent', 'answer', 'answer');
      const outcome = await caller.call({ cld: CLD, cli: CLI });
      expect(outcome.status).to.equal(200);
      expect(tried()).to.deep.equal(['carrier-a', 'carrier-b']);
      // The shipped defaults (30 s) would outlast this test: a's 1 s came from the document.
    });

    it("a carrier that rings without end is cancelled after its route's timeout (fr_inv_timer), and the next route answers", async () => {
      behave('ring', 'answer', 'answer');
      const outcome = await caller.call({ cld: CLD, cli: CLI });
      expect(outcome.status).to.equal(200);
      expect(outcome.provisional).to.include(180);
      expect(tried()).to.deep.equal(['carrier-a', 'carrier-b']);
      expect(carriers.a.cancels).to.have.length(1);
    });

    it('486 Busy Here stops the hunt: the caller gets it, no further carrier is tried', async () => {
      behave('busy', 'answer', 'answer');
      const outcome = await caller.call({ cld: CLD, cli: CLI });
      expect(outcome.status).to.equal(486);
      expect(tried()).to.deep.equal(['carrier-a']);
    });

    it('after the last route fails, the caller gets the failure (a 503 as 500: a proxy never passes 503 on, RFC 3261 16.7)', async () => {
      behave('unavailable', 'unavailable', 'unavailable');
      expect((await caller.call({ cld: CLD, cli: CLI })).status).to.equal(500);
      expect(tried()).to.deep.equal(['carrier-a', 'carrier-b', 'carrier-c']);
    });

    it('no route: 404 from the proxy, no carrier reached', async () => {
      behave('answer', 'answer', 'answer');
      expect((await caller.call({ cld: '33123456789', cli: CLI })).status).to.equal(404);
      expect((await caller.call({ cld: CLD, cli: CLI, headers: [['x-routing-group', 'Nowhere']] })).status).to.equal(404);
      expect(tried()).to.deep.equal([]);
    });

    it('an anonymous caller (no From user) is routed with an empty CLI; a request URI without a number is 404', async () => {
      behave('answer', 'answer', 'answer');
      expect((await caller.call({ cld: CLD, cli: '' })).status).to.equal(200);
      expect(userOf(header(carriers.a.invites[0]!, 'from')!)).to.equal('');
      expect((await caller.call({ cld: '', cli: CLI })).status).to.equal(404);
      expect(tried()).to.deep.equal(['carrier-a']);
    });

    it('the routing group is picked by the header or by the called number when those settings are on', async () => {
      behave('answer', 'answer', 'answer');
      expect((await caller.call({ cld: CLD, cli: CLI, headers: [['x-routing-group', 'Other group']] })).status).to.equal(200);
      expect((await caller.call({ cld: `Other group#${CLD}`, cli: CLI })).status).to.equal(200);
      expect(tried()).to.deep.equal(['carrier-c', 'carrier-c']);
      expect(userOf(carriers.c.invites[1]!.uri!)).to.equal(CLD);
      // An unknown group is the daemon's 404, not "no route": the proxy cannot route at all.
      expect((await caller.call({ cld: CLD, cli: CLI, headers: [['x-routing-group', 'No such group']] })).status).to.equal(500);
    });

    it('200 calls in a row are all answered, each asking getRoutes once', async () => {
      behave('answer', 'answer', 'answer');
      const before = await getRoutesCalls();
      for (let i = 0; i < 200; i++) {
        const outcome = await caller.call({ cld: `44207${String(i).padStart(6, '0')}`, cli: CLI });
        expect(outcome.status, `call ${i}`).to.equal(200);
      }
      expect(carriers.a.invites).to.have.length(200);
      expect((await getRoutesCalls()) - before).to.equal(200);
    });

    it('the daemon down: 500 to the caller, no carrier reached', async () => {
      await listener.stop(0);
      behave('answer', 'answer', 'answer');
      const outcome = await caller.call({ cld: CLD, cli: CLI });
      expect([outcome.status, outcome.reason]).to.deep.equal([500, 'Routing Unavailable']);
      expect(tried()).to.deep.equal([]);
    });
  });
}
