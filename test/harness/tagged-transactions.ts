// Transactions whose every change carries the transaction's tag, so that an
// answer shows at a glance whether it reflects part of one (snapshot.md
// "Consistency": a transaction is seen whole or not at all).
//
// One environment holds group `tagged` (policy order): one connection per
// destination set, all of one vendor; sets A and B have BIG_SET_ROUTES
// routes each, C, D and E one each; the call matches prefix 44 in every
// set. What an answer shows of the rows the transactions change is its
// "view": the vendor's name, the prices of the routes of E, A, B and C, E's
// connect fee, B's connection destination, and the marker (D's price, which
// a one-row commit bumps to mark a point in time). Every transaction sets
// each row it changes to its tag; the list of views after each commit, in
// commit order, is what an answer may show, and an observer may never go
// back in that list.
//
// The order of a transaction's statements is chosen so that a follower
// that applies part of it shows: set E is changed first only (the lowest
// numbers: lost when not all numbers below a cursor are watched), set C
// last only (the highest: beyond a first batch of a long journal), and no
// set or small table is changed both early and late.

import type mysql from 'mysql2/promise';
import type { GetRoutesCall } from '../../src/client/routing-client.js';
import type { Database } from '../../src/db/pool.js';
import type { RouteRequest, RouteResult } from '../../src/routing/index.js';
import { insertRoutes } from './bulk-routes.js';
import { RoutingFixture } from './routing-fixture.js';

export const BIG_SET_ROUTES = 100_000;
const CLD = '4420712345678';
const SETS = ['A', 'B', 'C', 'D', 'E'] as const;
type SetName = (typeof SETS)[number];

/** What the view shows, each a tag (0 before any transaction). */
interface Model {
  vendor: number;
  priceE: number;
  feeE: number;
  priceA: number;
  priceB: number;
  destB: number;
  priceC: number;
  marker: number;
}

/** One statement of a tagged transaction; `bulk` when it writes many journal rows. */
export interface TaggedStep {
  readonly what: string;
  readonly bulk: boolean;
  /** Runs it on the transaction's connection; resolves with the rows it changed (its journal rows). */
  run(conn: mysql.Connection): Promise<number>;
}

const price = (tag: number): string => `${tag}.000000`;
const vendorName = (tag: number): string => `tagged vendor ${tag}`;
const destination = (tag: number): string => `gw-${tag}.example:5060`;

export class TaggedRouting {
  readonly call: GetRoutesCall = { routing_group: 'tagged', cld: CLD };
  /** Views after each commit, in commit order (a commit's view is added just before its COMMIT). */
  readonly states: string[] = [];
  readonly violations: string[] = [];
  private readonly committed: Model = { vendor: 0, priceE: 0, feeE: 0, priceA: 0, priceB: 0, destB: 0, priceC: 0, marker: 0 };
  /** What the open transaction changed so far. */
  private pending: Partial<Model> = {};
  private readonly lastSeen = new Map<string, number>();
  /** What the test is doing, named in violations. */
  phase = 'set-up';

  private constructor(
    readonly environment: number,
    private readonly ids: { vendor: number; sets: Record<SetName, number>; connB: number; routes: Record<SetName, number> },
  ) {
    this.states.push(this.expected());
  }

  /** Creates the tagged environment (`conn` for the bulk inserts). */
  static async setUp(db: Database, conn: mysql.Connection, environment: number): Promise<TaggedRouting> {
    const fixture = new RoutingFixture(db, environment);
    await fixture.environmentRow();
    const vendor = await fixture.vendor(vendorName(0));
    const group = await fixture.group({ name: 'tagged', policy: 'order' });
    const sets = { A: 0, B: 0, C: 0, D: 0, E: 0 };
    const routes = { A: 0, B: 0, C: 0, D: 0, E: 0 };
    let connB = 0;
    // Set F (no entry, never edited) keeps the big sets' index range apart from other environments' sets.
    await fixture.route(await fixture.destinationSet({ name: 'F' }), { prefix: '1' });
    for (const [order, name] of SETS.entries()) {
      sets[name] = await fixture.destinationSet({ name });
      const connection = await fixture.connection({ vendor, name: `via ${name}`, destination: destination(0) });
      if (name === 'B') connB = connection;
      await fixture.entry(group, connection, sets[name], { entry_order: order + 1 });
      // The route the call matches, the set's lowest i_route: every tagged range starts with it.
      routes[name] = await fixture.route(sets[name], { prefix: '44', price_1: price(0) });
      if (name === 'A' || name === 'B') await insertRoutes(conn, sets[name], BIG_SET_ROUTES - 1, '99', price(0));
    }
    return new TaggedRouting(environment, { vendor, sets, connB, routes });
  }

  /** The call as the resolver takes it. */
  request(explain = false): RouteRequest {
    return { routing_group: this.call.routing_group, cld: CLD, cli: '1', time: new Date(), hops: 0, explain };
  }

  /**
   * The statements of a transaction of exactly `size` journal rows tagged
   * `tag`: the early ones (set E's route and fee, the vendor, then part of
   * set A), and the late ones (part of set B, B's connection, then set C's
   * route). One row is A's route alone.
   */
  plan(size: number, tag: number): { early: TaggedStep[]; late: TaggedStep[] } {
    const { ids } = this;
    const step = (what: string, field: keyof Model, sql: string, values: unknown[], bulk = false): TaggedStep => ({
      what,
      bulk,
      run: async (conn) => {
        this.pending[field] = tag;
        const [result] = await conn.query<mysql.ResultSetHeader>(sql, values);
        return result.affectedRows;
      },
    });
    // By primary key range (a set's ids are consecutive): locks nothing outside the set.
    const routes = (set: 'A' | 'B', count: number): TaggedStep =>
      step(`${count} routes of set ${set}`, set === 'A' ? 'priceA' : 'priceB', 'UPDATE routes SET price_1 = ? WHERE i_route BETWEEN ? AND ?', [price(tag), ids.routes[set], ids.routes[set] + count - 1], count > 1);
    const route = (set: 'C' | 'E'): TaggedStep => step(`set ${set}'s route`, set === 'C' ? 'priceC' : 'priceE', 'UPDATE routes SET price_1 = ? WHERE i_route = ?', [price(tag), ids.routes[set]]);
    if (size === 1) return { early: [routes('A', 1)], late: [] };
    const a = Math.floor((size - 5) / 2);
    return {
      early: [
        route('E'),
        step("set E's connect fee", 'feeE', 'UPDATE destination_sets SET connect_fee = ? WHERE i_destination_set = ?', [price(tag), ids.sets.E]),
        step('the vendor', 'vendor', 'UPDATE vendors SET name = ? WHERE i_vendor = ?', [vendorName(tag), ids.vendor]),
        routes('A', a),
      ],
      late: [
        routes('B', size - 5 - a),
        step("set B's connection", 'destB', 'UPDATE connections SET destination = ? WHERE i_connection = ?', [destination(tag), ids.connB]),
        route('C'),
      ],
    };
  }

  /** Adds the view the open transaction makes on commit: call it just before its COMMIT. Returns the view's index. */
  committing(): number {
    Object.assign(this.committed, this.pending);
    this.pending = {};
    this.states.push(this.expected());
    return this.states.length - 1;
  }

  /** Bumps the marker in a commit of its own on `conn` (not the open transaction's); returns the index of the view it makes. */
  async mark(conn: mysql.Connection): Promise<number> {
    this.committed.marker += 1;
    this.states.push(this.expected());
    const index = this.states.length - 1;
    await conn.query('UPDATE routes SET price_1 = ? WHERE i_route = ?', [price(this.committed.marker), this.ids.routes.D]);
    return index;
  }

  /** The view of an answer to `call`. */
  viewOf(result: RouteResult): string {
    const route = (set: SetName): RouteResult['routes'][number] | undefined => result.routes.find((r) => r.i_destination_set === this.ids.sets[set]);
    const tag = (text: string | undefined, pattern: RegExp): string => (text === undefined ? 'none' : String(Number(pattern.exec(text)?.[1] ?? NaN)));
    const money = (text: string | undefined): string => (text === undefined ? 'none' : String(Number(text)));
    return this.format({
      vendor: tag(route('A')?.vendor_name, /(\d+)$/),
      priceE: money(route('E')?.price_1),
      feeE: money(route('E')?.connect_fee),
      priceA: money(route('A')?.price_1),
      priceB: money(route('B')?.price_1),
      destB: tag(route('B')?.destination, /^gw-(\d+)\./),
      priceC: money(route('C')?.price_1),
      marker: money(route('D')?.price_1),
    });
  }

  /**
   * Checks a view `observer` saw: a committed state, and not older than the
   * last it saw. Records a violation otherwise; returns the state's index (-1 for none).
   */
  check(observer: string, view: string): number {
    const index = this.states.indexOf(view);
    const last = this.lastSeen.get(observer) ?? 0;
    if (index < 0) this.violations.push(`${this.phase}: ${observer} showed "${view}", part of a transaction (the last committed states: ${JSON.stringify(this.states.slice(-3))})`);
    else if (index < last) this.violations.push(`${this.phase}: ${observer} went back from "${this.states[last]}" to "${view}"`);
    else this.lastSeen.set(observer, index);
    return index;
  }

  private expected(): string {
    const m = this.committed;
    return this.format(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])) as Record<keyof Model, string>);
  }

  private format(v: Record<keyof Model, string>): string {
    return `vendor ${v.vendor}, E ${v.priceE}, E fee ${v.feeE}, A ${v.priceA}, B ${v.priceB}, B via ${v.destB}, C ${v.priceC}, marker ${v.marker}`;
  }
}
