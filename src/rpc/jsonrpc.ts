// JSON-RPC dispatch: a request body (text) → the response to send, or none.
//
// jayson answers one request object (validation of the 2.0 request shape,
// method lookup, notifications, response shape). This module does what
// jayson gets wrong or does not do, to follow the JSON-RPC 2.0 specification
// (section 7 examples) exactly:
// - parse errors answer -32700 with `id: null` and no `data`;
// - batches: `[]` is one -32600; every entry that is not a request object
//   (including a nested array, which jayson silently drops) gets its own
//   -32600; a batch of notifications only answers nothing; batches longer
//   than the listener's limit are one -32600 naming the limit; the
//   listGroups/listRoutes entries of a batch share one bound on the rows
//   they list (listing-budget.ts);
// - `"id": null` is a request (answered with `id: null`), not a
//   notification;
// - JSON-RPC 1.0 requests (no `jsonrpc` member, `params` an array, `id`
//   null for notifications) are answered in 1.0 form. As the daemon's params
//   are by name, 1.0 params are `[]` or `[{...named}]`. Their id must be a
//   string, a number or null, as in 2.0: an object or array id is an
//   Invalid Request (it would be echoed back, whatever its size).
// - the id is echoed as the client wrote it: a number id that a double
//   would not give back (1e400, -0, 1.50, 123456789012345678901234567890)
//   is answered with its own text (request-ids.ts).
// A single 2.0 request for a served method, with an id a double writes back
// as sent, is called directly (callDirect): what jayson would answer, in one
// step instead of its chain of callbacks and promises, the most common
// request being the one most worth answering fast. Anything else goes
// through jayson as above; both give the same reply (jsonrpc-direct tests
// hold them to it).
// Every method call goes through the client connection's CallGate when one
// is given: a batch's entries (and requests pipelined on the connection) run
// at most the gate's limit at once and wait their turn beyond it.

import jaysonPromise from 'jayson/promise/index.js';
import { catalogue } from '../errors.js';
import type { CallGate } from './call-gate.js';
import { ListingBudget } from './listing-budget.js';
import type { MethodContext } from './methods.js';
import type { ErrorCode } from '../errors.js';
import type { CallObserver } from '../metrics/environment-metrics.js';
import { idNeedsText, RawNumberId, requestIdTexts } from './request-ids.js';
import type { RequestText } from './json-shape.js';
import { outcomeOf, rpcError, STANDARD_MESSAGES, toRpcError, type JsonRpcError } from './rpc-errors.js';

export type MethodHandler = (params: unknown, context: MethodContext) => Promise<unknown>;

type JsonObject = Record<string, unknown>;

/** What to send back: `body` undefined means no response body (notifications). */
export interface Reply {
  readonly body: JsonObject | JsonObject[] | undefined;
  /** How many error objects the body holds (for the listener's counters). */
  readonly errors: number;
  /** The method label of the request's latency (metrics): the method called, `batch`, `other` or `none` (no call). */
  readonly method: string;
}

interface CallContext {
  readonly method: MethodContext;
  readonly gate: CallGate | undefined;
  /** Told every call's method and outcome when metrics are on. */
  readonly observer: CallObserver | undefined;
}

const { Server, Method, Utils } = jaysonPromise;

export class JsonRpcDispatcher {
  private readonly server: InstanceType<typeof Server>;
  private readonly methods: ReadonlySet<string>;
  private readonly handlers: ReadonlyMap<string, MethodHandler>;

  constructor(methods: Readonly<Record<string, MethodHandler>>) {
    this.methods = new Set(Object.keys(methods));
    this.handlers = new Map(Object.entries(methods));
    const wrapped: Record<string, InstanceType<typeof Method>> = {};
    for (const [name, handler] of Object.entries(methods)) {
      wrapped[name] = new Method(
        async (params: unknown, untyped: object) => {
          const context = untyped as CallContext;
          try {
            const gate = context.gate;
            return await (gate === undefined ? handler(params, context.method) : gate.run(() => handler(params, context.method)));
          } catch (err) {
            // jayson sends a rejection that is a valid error object as it is.
            throw toRpcError(err, context.method.logger, { environment: context.method.environment, method: name });
          }
        },
        { useContext: true },
      );
    }
    this.server = new Server(wrapped, { useContext: true, version: 2 });
    this.server.errorMessages[catalogue.RPC_PARSE_ERROR.rpc] = STANDARD_MESSAGES.parse;
    this.server.errorMessages[catalogue.RPC_INVALID_REQUEST.rpc] = STANDARD_MESSAGES.invalidRequest;
    this.server.errorMessages[catalogue.RPC_METHOD_NOT_FOUND.rpc] = STANDARD_MESSAGES.methodNotFound;
  }

  /** `gate`: the client connection's, shared by its batches and pipelined requests. `observer`: the environment's metrics, when on. */
  async handle(body: RequestText, context: MethodContext, maxBatch: number, gate?: CallGate, observer?: CallObserver): Promise<Reply> {
    const call: CallContext = { method: context, gate, observer };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      return noCall(call, 'RPC_PARSE_ERROR', rpcError('RPC_PARSE_ERROR', STANDARD_MESSAGES.parse));
    }
    if (!Array.isArray(parsed)) {
      const handler = this.directHandler(parsed, body.plainIntegers);
      if (handler !== undefined) return this.callDirect(handler, parsed as DirectRequest, call);
      const idText = idNeedsText(parsed, body.plainIntegers) ? requestIdTexts(body.text)[0] : undefined;
      return single(await this.one(parsed, call, idText), this.methodLabel(parsed));
    }
    if (parsed.length === 0) return noCall(call, 'RPC_INVALID_REQUEST', rpcError('RPC_INVALID_REQUEST', STANDARD_MESSAGES.invalidRequest));
    if (parsed.length > maxBatch) {
      return noCall(call, 'RPC_INVALID_REQUEST', rpcError('RPC_INVALID_REQUEST', `Invalid Request: a batch of ${parsed.length} requests is over this listener's limit of ${maxBatch}.`));
    }
    const idTexts = parsed.some((entry) => idNeedsText(entry, body.plainIntegers)) ? requestIdTexts(body.text) : undefined;
    // One reply: its listings share one bound on their rows (listing-budget.ts).
    const batch: CallContext = { ...call, method: { ...context, listing: new ListingBudget() } };
    const answers = (await Promise.all(parsed.map((entry, i) => this.one(entry, batch, idTexts?.[i])))).filter((a): a is JsonObject => a !== undefined);
    return answers.length === 0 ? { body: undefined, errors: 0, method: 'batch' } : { body: answers, errors: answers.filter(hasError).length, method: 'batch' };
  }

  /**
   * The handler of a request jayson would call and answer as it is: a 2.0
   * request object with an id (not a notification) a double writes back as
   * sent, params absent or an object or array, for a method served here.
   */
  private directHandler(entry: unknown, plainIntegers: boolean): MethodHandler | undefined {
    if (!isObject(entry) || entry.jsonrpc !== '2.0' || typeof entry.method !== 'string' || !('id' in entry)) return undefined;
    const id = entry.id;
    if (!(typeof id === 'string' || id === null || (typeof id === 'number' && !idNeedsText(entry, plainIntegers)))) return undefined;
    const params = entry.params;
    if (params !== undefined && (typeof params !== 'object' || params === null)) return undefined;
    return this.handlers.get(entry.method);
  }

  /** A request directHandler took: jayson's response for it ({jsonrpc, id, result} or {jsonrpc, id, error}), told to the observer. */
  private async callDirect(handler: MethodHandler, request: DirectRequest, call: CallContext): Promise<Reply> {
    const context = call.method;
    const gate = call.gate;
    let response: JsonObject;
    try {
      const result = await (gate === undefined ? handler(request.params, context) : gate.run(() => handler(request.params, context)));
      response = { jsonrpc: '2.0', id: request.id, result: result ?? null };
    } catch (err) {
      response = { jsonrpc: '2.0', id: request.id, error: toRpcError(err, context.logger, { environment: context.environment, method: request.method }) };
    }
    call.observer?.call(request.method, outcomeOf(response.error));
    return { body: response, errors: response.error === undefined ? 0 : 1, method: request.method };
  }

  /**
   * One request object → its response, or undefined for a notification;
   * told to the observer when there is one. `idText`: the text of its number
   * id, when the reply must carry it as written.
   */
  private async one(entry: unknown, context: CallContext, idText: string | undefined): Promise<JsonObject | undefined> {
    const response = await this.answer(entry, context, idText);
    // A notification's outcome is not answered, so it is counted ok.
    if (context.observer !== undefined) context.observer.call(this.methodLabel(entry), response === undefined ? 'ok' : outcomeOf(response.error));
    return response;
  }

  /** The method label of a request: a method this dispatcher serves (a bounded set), else `other`. */
  private methodLabel(entry: unknown): string {
    const name = typeof entry === 'object' && entry !== null ? (entry as JsonObject).method : undefined;
    return typeof name === 'string' && this.methods.has(name) ? name : 'other';
  }

  private async answer(entry: unknown, context: CallContext, idText: string | undefined): Promise<JsonObject | undefined> {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return invalidRequest();
    const request = entry as JsonObject;
    const id = idText === undefined ? request.id : new RawNumberId(idText);
    if ('jsonrpc' in request) return this.versionTwo(request, id, context);
    return this.versionOne(request, id, context);
  }

  /** `id`: what the reply carries (the request's id, or its text). */
  private async versionTwo(request: JsonObject, id: unknown, context: CallContext): Promise<JsonObject | undefined> {
    if (!Utils.Request.isValidRequest(request as never, 2)) return invalidRequest();
    // jayson would take `"id": null` for a notification: call it with a stand-in id, answer with the real one.
    const notification = !('id' in request);
    const response = await this.call({ jsonrpc: '2.0', method: request.method, params: request.params, ...(notification ? {} : { id: 0 }) }, context);
    if (notification || response === undefined) return undefined;
    return { ...response, id };
  }

  private async versionOne(request: JsonObject, id: unknown, context: CallContext): Promise<JsonObject | undefined> {
    if (!Utils.Request.isValidRequest(request as never, 1) || !isScalarId(request.id)) return invalidRequest();
    const notification = request.id === null;
    const positional = request.params as unknown[];
    const named = positional.length === 0 ? undefined : positional.length === 1 && isObject(positional[0]) ? positional[0] : null;
    if (named === null) {
      if (notification) return undefined;
      const error = rpcError('RPC_INVALID_PARAMS', 'Invalid params: JSON-RPC 1.0 params must be [] or [{...named parameters}].', {
        errors: [{ path: '', message: 'must be [] or an array of one object of named parameters' }],
      });
      return { result: null, error, id };
    }
    const response = await this.call({ jsonrpc: '2.0', method: request.method, params: named, ...(notification ? {} : { id: 0 }) }, context);
    if (notification || response === undefined) return undefined;
    return { result: response.result ?? null, error: response.error ?? null, id };
  }

  private call(request: JsonObject, context: CallContext): Promise<JsonObject | undefined> {
    return new Promise((resolve) => {
      this.server.call(request as never, context, (error, success) => resolve((error ?? success ?? undefined) as JsonObject | undefined));
    });
  }
}

export function errorResponse(error: JsonRpcError): JsonObject {
  return { jsonrpc: '2.0', error, id: null };
}

function invalidRequest(): JsonObject {
  return errorResponse(rpcError('RPC_INVALID_REQUEST', STANDARD_MESSAGES.invalidRequest));
}

function single(response: JsonObject | undefined, method: string): Reply {
  return { body: response, errors: response !== undefined && hasError(response) ? 1 : 0, method };
}

/** An answer with no method call in it (a parse error, an empty or too long batch). */
function noCall(context: CallContext, code: ErrorCode, error: JsonRpcError): Reply {
  context.observer?.call('none', code);
  return single(errorResponse(error), 'none');
}

function hasError(response: JsonObject): boolean {
  return response.error !== undefined && response.error !== null;
}

function isScalarId(id: unknown): boolean {
  return typeof id === 'string' || typeof id === 'number' || id === null;
}

/** What directHandler found a request to be. */
interface DirectRequest {
  readonly method: string;
  readonly id: string | number | null;
  readonly params: unknown;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
