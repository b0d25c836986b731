// Passwords in upstream URIs and DSNs never leave the process (issue 20,
// item 8): a supervisor whose DSN and whose external groups' URIs hold
// passwords in the forms a pattern gets wrong (`@` and `:` inside, %-escapes,
// blanks around the URI, no scheme) answers, logs and exports metrics with
// each URI in its one redacted form (redactUri), and none of the passwords
// appears in a JSON-RPC answer, the status, the log file or a scrape.

import { expect } from 'chai';
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { useFreshDatabase } from '../harness/database.js';
import { DaemonProcess } from '../harness/daemon.js';
import { parseExposition, scrape } from '../harness/prometheus.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { call, makeTempDir, post, until, type TempDir } from '../harness/rpc.js';
import { freePorts, Supervisor } from '../harness/supervisor-process.js';

/** The database password: the private test server does not check passwords, so any will do. */
const DSN_PASSWORD = 'dsn-s3cret:p@ss';

interface Case {
  readonly group: string;
  /** As stored in routing_groups.uri; `PEER` is replaced by the scripted upstream's port. */
  readonly uri: string;
  /** What the answer's data.uri and the logs must show. */
  readonly shown: string;
  readonly code: number;
}

const CASES: readonly Case[] = [
  { group: 'At sign', uri: 'http://user:pa@ss2@127.0.0.1:1/', shown: 'http://user:***@127.0.0.1:1/', code: -32011 },
  { group: 'Leading blank', uri: ' http://user:secret10@127.0.0.1:1/', shown: 'http://user:***@127.0.0.1:1/', code: -32011 },
  { group: 'Trailing blank', uri: 'http://user:secret11@127.0.0.1:1/  ', shown: 'http://user:***@127.0.0.1:1/', code: -32011 },
  { group: 'Escapes', uri: 'http://us%40er:p%40ss%3Aw0rd@127.0.0.1:1/', shown: 'http://us%40er:***@127.0.0.1:1/', code: -32011 },
  { group: 'No scheme', uri: 'user:secret30@127.0.0.1:1/', shown: '<unparseable uri>', code: -32011 },
  { group: 'Unix authority', uri: 'unix://user:secret40@localhost/no/such.sock', shown: 'unix://user:***@localhost/no/such.sock', code: -32011 },
  { group: 'Upstream error', uri: 'http://user:secret50@127.0.0.1:PEER/error', shown: 'http://user:***@127.0.0.1:PEER/error', code: -32012 },
  { group: 'Upstream garbage', uri: 'http://user:secret60@127.0.0.1:PEER/garbage', shown: 'http://user:***@127.0.0.1:PEER/garbage', code: -32012 },
];

/** Every password above, raw and as the URI parser %-encodes it. */
const SECRETS = ['pa@ss2', 'ss2@', 'secret10', 'secret11', 'p%40ss', 'p@ss:w0rd', 'secret30', 'secret40', 'secret50', 'secret60', DSN_PASSWORD, encodeURIComponent(DSN_PASSWORD), 's3cret'];

function expectNoSecret(where: string, text: string): void {
  for (const secret of SECRETS) expect(text, `${where} holds ${JSON.stringify(secret)}`).not.to.include(secret);
}

/** The log file once it holds `text`; fails after 10 s. */
async function logHolding(file: string, text: string): Promise<string> {
  return until(async () => readFileSync(file, 'utf8'), (log) => log.includes(text), 10_000, `${JSON.stringify(text)} logged`);
}

describe('URI redaction: no password of an upstream URI or a DSN reaches an answer, the log or the metrics', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let dir: TempDir;
  let peer: http.Server;
  let supervisor: Supervisor | undefined;

  before(async () => {
    dir = makeTempDir('sr-uri-redaction-');
    // The upstream of the -32012 cases: a JSON-RPC error on /error, not JSON on /garbage.
    peer = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(req.url === '/error' ? JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32010, message: 'database unavailable' } }) : 'not json');
      });
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  });

  after(async () => {
    await supervisor?.kill();
    await DaemonProcess.killAll();
    await new Promise((resolve) => peer?.close(resolve));
    dir?.remove();
  });

  it('-32011/-32012 data.uri, listGroups, status, the log file and the scrape show every URI redacted and no password', async () => {
    const peerPort = String((peer.address() as AddressInfo).port);
    const cases = CASES.map((c) => ({ ...c, uri: c.uri.replace('PEER', peerPort), shown: c.shown.replace('PEER', peerPort) }));
    const fixture = new RoutingFixture(database().db, 2);
    await fixture.environmentRow();
    for (const c of cases) await fixture.group({ name: c.group, external: true, uri: c.uri });

    const url = new URL(database().dsn);
    url.password = encodeURIComponent(DSN_PASSWORD);
    const dsn = url.href;
    const [metricsPort] = await freePorts(1);
    const econfig = join(dir.path, 'econfig');
    writeFileSync(econfig, 'command_args="/usr/local/bin/sippy_routed -e %%I_ENVIRONMENT%%"\n');
    const logFile = join(dir.path, 'sippy_routed.log');
    supervisor = new Supervisor({
      econfig, rundir: dir.path, pidfile: join(dir.path, 'sup.pid'), dsn, environments: [2],
      extraArgs: ['--metrics', `http://127.0.0.1:${metricsPort}/metrics`, '--log-file', logFile, '--log-level', 'debug'],
    });
    expect((await supervisor.waitServing()).last_reload.result).to.equal('ok');
    const socket = { socketPath: join(dir.path, 'sippy_routed.2.sock') };

    for (const c of cases) {
      const answer = await post(socket, call('getRoutes', { routing_group: c.group, cld: '4420712345678' }));
      expectNoSecret(`the answer for ${c.group}`, answer.text);
      const error = (answer.json as { error: { code: number; message: string; data: { uri: string } } }).error;
      expect(error.code, c.group).to.equal(c.code);
      expect(error.data.uri, c.group).to.equal(c.shown);
      expect(error.message, c.group).to.contain(`(${c.shown})`);
    }
    const groups = await post(socket, call('listGroups', {}));
    expectNoSecret('listGroups', groups.text);
    const listed = (groups.json as { result: { groups: { name: string; uri: string }[] } }).result.groups;
    expect(Object.fromEntries(listed.map((g) => [g.name, g.uri]))).to.deep.equal(Object.fromEntries(cases.map((c) => [c.group, c.shown])));

    const status = await supervisor.status();
    expectNoSecret('status', JSON.stringify(status));
    expect(JSON.stringify(status)).to.contain(`:***@localhost/${database().name}`);

    const exposition = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    expectNoSecret('the scrape', exposition.text);
    const upstream = parseExposition(exposition.text).find((f) => f.name === 'sippy_routed_upstream_requests_total')!;
    expect([...new Set(upstream.metrics.map((m) => m.labels!.uri))].sort()).to.deep.equal([...new Set(cases.map((c) => c.shown))].sort());

    // The check of local sockets after the start (not waited for by the start) names the unix: one.
    const log = await logHolding(logFile, 'points at unix://user:***@localhost/no/such.sock, which no listener of this econfig serves');
    expectNoSecret('the log file', log);
    for (const c of cases) expect(log, `the log names ${c.group}'s upstream`).to.contain(JSON.stringify(c.shown).slice(1, -1));
  });
});
