// An answer of a local group as an object: its JSON bytes as the resolver
// wrote them (answer-json.ts for getRoutes, rtjson-json.ts for Kamailio's
// document), which the RPC layer sends, and its routes, made only when
// something reads them (tests, in-process callers): a served request never
// builds the objects of its routes. The object looks like a plain answer to
// JSON.stringify and deep comparisons: its own enumerable members are the
// answer's, in the answer's order, `routes` among them (an accessor until
// first read); the bytes are in private fields.
//
// Who owns the bytes: the answer, from the writer until it hands them on.
// Written in place into a reply (envelope; GET /rtjson sends them with an
// empty one), they are the reply's: its sender gives the pooled buffer back
// once sent. Copied into a reply (a batch, an envelope too long), the answer
// gives them back itself (copied) unless a reply already has them. Either
// way the answer reads them only while the buffer is still in the take it
// was written in (reply-buffers.ts takeOf): once given back they are gone
// for it, and it is serialised as any object (its routes made from their
// source).

import type { GroupRow } from '../rules/model.js';
import type { ExcludedEntry, Route, RouteResult } from '../contract.js';
import { envelopeInPlace, type RoomyBytes } from './json-bytes.js';
import { replyBuffers } from './reply-buffers.js';

/** Makes an answer's `count` routes from what they were written from, with the request's numbers. */
export type RoutesMaker<S, R> = (source: S, count: number, cli: string, cld: string) => R[];

/** One descriptor for every answer: no closure per answer. */
const ROUTES: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: WrittenAnswer<unknown>): readonly unknown[] {
    return this.routesNow();
  },
};

/** The bytes, their ownership and the routes made on demand, for every answer form; a subclass declares the members. */
export abstract class WrittenAnswer<R> {
  declare readonly routes: readonly R[];
  readonly #bytes: RoomyBytes;
  /** The pooled buffer's take the bytes were written in (reply-buffers.ts): they are readable while it lasts. */
  readonly #take: number;
  /** Whether the room around the bytes (ScratchBytes.copyWithRoom) is still unwritten: no reply has been given the bytes. */
  #roomFree = true;
  #source: unknown;
  readonly #count: number;
  readonly #cli: string;
  readonly #cld: string;
  readonly #make: RoutesMaker<unknown, R>;

  protected constructor(
    /** The answer's JSON, from its writer's finish(). */
    bytes: RoomyBytes,
    /** What `make` makes the routes of. */
    source: unknown,
    count: number,
    cli: string,
    cld: string,
    make: RoutesMaker<never, R>,
  ) {
    this.#bytes = bytes;
    this.#take = replyBuffers.takeOf(bytes);
    this.#source = source;
    this.#count = count;
    this.#cli = cli;
    this.#cld = cld;
    this.#make = make as RoutesMaker<unknown, R>;
  }

  /** Makes `routes` an enumerable accessor: called by the subclass where the member falls in the answer's order. */
  protected defineRoutes(): void {
    Object.defineProperty(this, 'routes', ROUTES);
  }

  /** The routes, made on first read and then kept as a plain member. */
  routesNow(): readonly R[] {
    const routes = this.#make(this.#source, this.#count, this.#cli, this.#cld);
    this.#source = undefined;
    Object.defineProperty(this, 'routes', { value: routes, enumerable: true, writable: false, configurable: false });
    return routes;
  }

  /** The JSON bytes of `value` when it is a written answer whose bytes are still its to read. */
  static bytesOf(value: unknown): Buffer | undefined {
    return value instanceof WrittenAnswer && value.#readable() ? value.#bytes : undefined;
  }

  /** envelopeInPlace on the answer's bytes, the first time only (see answerInEnvelope). */
  static envelope(value: unknown, head: string, tail: string): Buffer | undefined {
    if (!(value instanceof WrittenAnswer) || !value.#roomFree || !value.#readable()) return undefined;
    const whole = envelopeInPlace(value.#bytes, head, tail);
    if (whole !== undefined) value.#roomFree = false;
    return whole;
  }

  /** After the bytes were copied into a reply: gives their pooled buffer back unless a reply holds it (see answerCopied). */
  static copied(value: unknown): void {
    if (!(value instanceof WrittenAnswer) || !value.#roomFree || !value.#readable()) return;
    value.#roomFree = false;
    replyBuffers.giveBack(value.#bytes);
  }

  /** The buffer is still in the take the bytes were written in: nobody gave it back (and took it again) since. */
  #readable(): boolean {
    return replyBuffers.takeOf(this.#bytes) === this.#take;
  }
}

/** The getRoutes answer of a local group (answer-json.ts wrote its bytes). */
export class LocalAnswer extends WrittenAnswer<Route> implements RouteResult {
  readonly i_environment: number;
  readonly routing_group: { readonly i_routing_group: number; readonly name: string; readonly policy: string };
  readonly cli: string;
  readonly cld: string;
  declare readonly excluded?: ExcludedEntry[];

  constructor(
    environment: number,
    group: GroupRow,
    cli: string,
    cld: string,
    bytes: RoomyBytes,
    source: unknown,
    count: number,
    make: RoutesMaker<never, Route>,
    excluded: ExcludedEntry[] | undefined,
  ) {
    super(bytes, source, count, cli, cld, make);
    this.i_environment = environment;
    this.routing_group = { i_routing_group: group.i_routing_group, name: group.name, policy: group.policy };
    this.cli = cli;
    this.cld = cld;
    this.defineRoutes();
    if (excluded !== undefined) (this as { excluded?: ExcludedEntry[] }).excluded = excluded;
  }
}

/** The JSON bytes recorded for this answer, or undefined (then JSON.stringify it). */
export function answerBytesOf(value: unknown): Buffer | undefined {
  return WrittenAnswer.bytesOf(value);
}

/**
 * `head` + the answer's JSON + `tail` written around the answer's own bytes
 * (envelopeInPlace), the first time only: an answer sent twice takes a copy
 * the second time. Undefined when there are no recorded bytes or no room.
 */
export function answerInEnvelope(value: unknown, head: string, tail: string): Buffer | undefined {
  return WrittenAnswer.envelope(value, head, tail);
}

/**
 * Once the answer's bytes were copied into a reply (a batch; an envelope
 * that did not fit the room): the pooled buffer under them goes back to the
 * pool now, unless an earlier reply was written around them in place (that
 * reply's sender gives it back once sent).
 */
export function answerCopied(value: unknown): void {
  WrittenAnswer.copied(value);
}
