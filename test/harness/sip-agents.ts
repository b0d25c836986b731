// SIP user agents on loopback UDP for the proxy tests: a caller that places
// INVITEs through the proxy and ACKs their final answers, and carriers that
// answer as a test tells them (answer, busy, unavailable, silent, ringing
// without end) and record what reached them. Enough of RFC 3261 for a
// stateful proxy on one host: transactions by Via branch, retransmitted
// requests answered again, CANCEL answered with 200 and the INVITE with 487.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { branchOf, header, headerValues, parseSip, randomToken, response, serialize, uriOf, type SipMessage } from './sip.js';

/** How a carrier answers each new INVITE. */
export type CarrierBehaviour = 'answer' | 'busy' | 'unavailable' | 'silent' | 'ring';

const FINAL: Readonly<Record<'answer' | 'busy' | 'unavailable', readonly [number, string]>> = {
  answer: [200, 'OK'],
  busy: [486, 'Busy Here'],
  unavailable: [503, 'Service Unavailable'],
};

function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function close(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

interface ServerTransaction {
  readonly invite: SipMessage;
  readonly toTag: string;
  last: Buffer | undefined;
}

export class Carrier {
  /** Each INVITE that reached this carrier, once (retransmissions are not counted). */
  readonly invites: SipMessage[] = [];
  readonly cancels: SipMessage[] = [];
  behaviour: CarrierBehaviour = 'answer';
  private readonly transactions = new Map<string, ServerTransaction>();

  private constructor(
    readonly name: string,
    private readonly socket: Socket,
    /** Shared by the carriers of a test: each new INVITE appends its carrier's name, so the order across carriers is known. */
    private readonly journal: string[],
  ) {
    socket.on('message', (datagram, from) => this.received(parseSip(datagram), from));
  }

  static async start(name: string, journal: string[] = []): Promise<Carrier> {
    return new Carrier(name, await bound(), journal);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Forgets what was received; answers `behaviour` from now on. */
  reset(behaviour: CarrierBehaviour = 'answer'): void {
    this.invites.length = 0;
    this.cancels.length = 0;
    this.transactions.clear();
    this.behaviour = behaviour;
  }

  stop(): Promise<void> {
    return close(this.socket);
  }

  private received(message: SipMessage, from: RemoteInfo): void {
    if (message.method === undefined || message.method === 'ACK') return;
    const branch = branchOf(headerValues(message, 'via')[0] ?? '') ?? '';
    const known = this.transactions.get(branch);
    if (message.method === 'CANCEL') {
      if (known === undefined) return this.send(response(message, 481, 'Call/Transaction Does Not Exist', randomToken()), from);
      this.cancels.push(message);
      this.send(response(message, 200, 'OK', known.toTag), from);
      known.last = response(known.invite, 487, 'Request Terminated', known.toTag);
      return this.send(known.last, from);
    }
    if (message.method !== 'INVITE') return this.send(response(message, 200, 'OK', randomToken()), from);
    if (known !== undefined) {
      if (known.last !== undefined) this.send(known.last, from);
      return;
    }
    const transaction: ServerTransaction = { invite: message, toTag: randomToken(), last: undefined };
    this.transactions.set(branch, transaction);
    this.invites.push(message);
    this.journal.push(this.name);
    if (this.behaviour === 'silent') return;
    if (this.behaviour === 'ring') {
      transaction.last = response(message, 180, 'Ringing', transaction.toTag);
    } else {
      const [status, reason] = FINAL[this.behaviour];
      const contact: [string, string][] = status === 200 ? [['contact', `<sip:${this.name}@127.0.0.1:${this.port}>`]] : [];
      transaction.last = response(message, status, reason, transaction.toTag, contact);
    }
    this.send(transaction.last, from);
  }

  private send(bytes: Buffer, to: RemoteInfo): void {
    this.socket.send(bytes, to.port, to.address);
  }
}

export interface CallOutcome {
  readonly status: number;
  readonly reason: string;
  /** Provisional statuses in the order they came (100, 180, ...). */
  readonly provisional: readonly number[];
}

export interface CallOptions {
  readonly cld: string;
  readonly cli: string;
  /** Extra headers of the INVITE. */
  readonly headers?: readonly (readonly [string, string])[];
  /** Bound on waiting for the final answer (ms). */
  readonly timeoutMs?: number;
}

interface PendingCall {
  readonly invite: Buffer;
  readonly uri: string;
  readonly via: string;
  readonly from: string;
  readonly callId: string;
  readonly provisional: number[];
  final: SipMessage | undefined;
  readonly settle: (outcome: CallOutcome | Error) => void;
}

/** Places calls through a proxy on 127.0.0.1:proxyPort and ACKs their final answers. */
export class Caller {
  private readonly calls = new Map<string, PendingCall>();

  private constructor(private readonly socket: Socket, private readonly proxyPort: number) {
    socket.on('message', (datagram) => this.received(parseSip(datagram)));
  }

  static async start(proxyPort: number): Promise<Caller> {
    return new Caller(await bound(), proxyPort);
  }

  stop(): Promise<void> {
    return close(this.socket);
  }

  /** An INVITE for `cld` from `cli`; resolves with its final answer (after ACKing it). */
  call(options: CallOptions): Promise<CallOutcome> {
    const port = this.socket.address().port;
    const callId = `${randomToken()}@127.0.0.1`;
    // An empty number is a URI without user part (an anonymous caller, a request to the proxy's host).
    const user = (number: string): string => (number === '' ? '' : `${encodeURIComponent(number)}@`);
    const uri = `sip:${user(options.cld)}127.0.0.1:${this.proxyPort}`;
    const via = `SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bK${randomToken()}`;
    const from = `<sip:${user(options.cli)}127.0.0.1>;tag=${randomToken()}`;
    const invite = serialize(`INVITE ${uri} SIP/2.0`, [
      ['via', via], ['max-forwards', '70'], ['from', from], ['to', `<${uri}>`], ['call-id', callId], ['cseq', '1 INVITE'],
      ['contact', `<sip:caller@127.0.0.1:${port}>`], ...(options.headers ?? []),
    ]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`no final answer to the INVITE for ${options.cld} within ${options.timeoutMs ?? 20_000} ms`)), options.timeoutMs ?? 20_000);
      const settle = (outcome: CallOutcome | Error): void => {
        clearTimeout(timer);
        if (outcome instanceof Error) {
          this.calls.delete(callId);
          reject(outcome);
        } else {
          resolve(outcome);
        }
      };
      this.calls.set(callId, { invite, uri, via, from, callId, provisional: [], final: undefined, settle });
      this.socket.send(invite, this.proxyPort, '127.0.0.1');
    });
  }

  private received(message: SipMessage): void {
    const call = this.calls.get(header(message, 'call-id') ?? '');
    if (call === undefined || message.status === undefined || !(header(message, 'cseq') ?? '').endsWith('INVITE')) return;
    if (message.status < 200) {
      if (call.final === undefined) call.provisional.push(message.status);
      return;
    }
    // A retransmitted final answer is ACKed again.
    this.ack(call, message);
    if (call.final !== undefined) return;
    call.final = message;
    call.settle({ status: message.status, reason: message.reason ?? '', provisional: call.provisional });
  }

  /** A non-2xx is ACKed hop by hop (its transaction's branch); a 2xx end to end, through the proxy's Record-Route. */
  private ack(call: PendingCall, answer: SipMessage): void {
    const to = header(answer, 'to') ?? '';
    const common: [string, string][] = [['max-forwards', '70'], ['from', call.from], ['to', to], ['call-id', call.callId], ['cseq', '1 ACK']];
    if (answer.status! >= 300) {
      this.socket.send(serialize(`ACK ${call.uri} SIP/2.0`, [['via', call.via], ...common]), this.proxyPort, '127.0.0.1');
      return;
    }
    const routes = headerValues(answer, 'record-route').reverse();
    const target = uriOf(header(answer, 'contact') ?? call.uri);
    const via = call.via.replace(/branch=[^;]+/, `branch=z9hG4bK${randomToken()}`);
    this.socket.send(serialize(`ACK ${target} SIP/2.0`, [['via', via], ...routes.map((r): [string, string] => ['route', r]), ...common]), this.proxyPort, '127.0.0.1');
  }
}
