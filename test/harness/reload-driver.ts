// Drives a running supervisor through econfig edits and checks each one
// against operations.md (Reload): a valid edit is applied within 1 s of the
// save, moved listeners answer on their new socket and the old one closes,
// unchanged listeners are not restarted; an invalid edit changes nothing and
// is reported with file:line:column. The econfig text is rendered from a
// small model of three environments, so each step states only its change.

import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { RoutingClient } from '../../src/client/routing-client.js';
import { RpcCallError } from '../../src/client/rpc-client.js';
import { save, type SaveStyle } from './editor-saves.js';
import type { RouteLoad, StepLedger } from './route-load.js';
import { delay } from './rpc.js';
import { listenerShape, sha256, waitClosed, type Supervisor, type SupervisorStatus } from './supervisor-process.js';

export type Socket = { readonly unix: string } | { readonly port: number };

export interface EnvironmentModel {
  readonly enabled: boolean;
  readonly socket: Socket;
  /** -a entries as written (addresses or prefixes). */
  readonly allow: readonly string[];
  /** Further listener options (-d DSN, --db-connections N): settings updated in place. */
  readonly options?: readonly string[];
}

export type Model = Readonly<Record<number, EnvironmentModel>>;

/** Extra lines that make a rendered file invalid in one chosen way. */
export interface Breakage {
  readonly top?: string;
  readonly inCase?: { readonly environment: number; readonly line: string };
  readonly dropEsac?: boolean;
}

const APPLY_WITHIN_MS = 1000;
const CLIENT_ADDRESS = '127.0.0.1';

export function socketUri(socket: Socket): string {
  return 'unix' in socket ? `unix:${socket.unix}` : `http://127.0.0.1:${socket.port}/`;
}

function normalisedPrefix(entry: string): string {
  return entry.includes('/') ? entry : `${entry}/32`;
}

/** Whether the test's client may call this environment: a UNIX socket, or TCP with 127.0.0.1 allowed. */
function reachable(env: EnvironmentModel): boolean {
  return env.enabled && ('unix' in env.socket || env.allow.includes(CLIENT_ADDRESS));
}

function sameSocket(a: Socket, b: Socket): boolean {
  return socketUri(a) === socketUri(b);
}

function renderEconfig(model: Model, revision: number, breakage: Breakage = {}): string {
  const lines = [
    `# sippy_routed econfig of the reload-under-load test, revision ${revision}`,
    ...(breakage.top === undefined ? [] : [breakage.top]),
    'command_args="/opt/sippy_routed/sippy_routed.${extension} -e %%I_ENVIRONMENT%%"',
    'case %%I_ENVIRONMENT%% in',
  ];
  for (const [id, env] of Object.entries(model)) {
    const socket = 'unix' in env.socket ? `-s unix:${env.socket.unix}` : `-s http://127.0.0.1:${env.socket.port}`;
    const more = [...env.allow.flatMap((a) => ['-a', a]), ...(env.options ?? [])].map((word) => ` ${word}`).join('');
    lines.push(`${id})`, `    command_args="\${command_args} ${socket}${more}"`, `    enable="${env.enabled ? 'YES' : 'NO'}"`);
    if (breakage.inCase?.environment === Number(id)) lines.push(`    ${breakage.inCase.line}`);
    lines.push('    ;;');
  }
  if (breakage.dropEsac !== true) lines.push('esac');
  return `${lines.join('\n')}\n`;
}

export class ReloadDriver {
  /** File edits made so far (saves, deletions, restores). */
  edits = 0;
  /** Reloads that had to fail: invalid files, a deleted file, an unbindable socket. */
  rejected = 0;
  private revision = 0;
  private text: string;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly file: string,
    private model: Model,
    /** Environments in the supervisor's list. */
    private listed: readonly number[],
    private readonly load: RouteLoad,
    private readonly ledger: StepLedger,
  ) {
    this.text = renderEconfig(model, this.revision);
  }

  get current(): Model {
    return this.model;
  }

  /** The text of the model as it stands; written once before the supervisor starts. */
  get initialText(): string {
    return this.text;
  }

  /** Points the load at every listed, reachable environment of the model. */
  aimLoad(): void {
    for (const [id, env] of Object.entries(this.model)) {
      const environment = Number(id);
      this.load.setTarget(environment, this.listed.includes(environment) && reachable(env) ? socketUri(env.socket) : undefined);
    }
  }

  /**
   * A DB-side change of the environment list: `insert` adds the rows, then
   * `trigger` makes the supervisor reload (it resolves once the reload is done).
   */
  async addEnvironment(environment: number, insert: () => Promise<void>, trigger: () => Promise<void>): Promise<void> {
    this.ledger.begin(`environment ${environment} added to the environments table`, [environment]);
    const before = await this.supervisor.status();
    await insert();
    await trigger();
    this.listed = [...this.listed, environment].sort((a, b) => a - b);
    const status = await this.supervisor.status();
    expect(status.environments).to.deep.equal(this.listed);
    expect(status.last_reload.result, JSON.stringify(status.last_reload)).to.equal('ok');
    this.checkListeners(status, before, this.model);
    this.aimLoad();
    this.ledger.end();
  }

  /** A valid edit: `change` returns the new model; checks the whole outcome. */
  async edit(name: string, style: SaveStyle, change: (model: Model) => Model): Promise<void> {
    const next = change(this.model);
    const text = renderEconfig(next, ++this.revision);
    await this.expectApplied(name, next, text, 'file change', async () => {
      await save(style, this.file, text);
      this.edits += 1;
    });
  }

  /**
   * A valid edit that moves an environment to a socket a foreign process
   * holds: the bind fails, so nothing changes and the error is reported.
   * Then `free` releases the socket and `trigger` (a reload through the
   * control socket) applies the same file.
   */
  async bindFails(name: string, style: SaveStyle, change: (model: Model) => Model, expected: RegExp, free: () => Promise<void>, trigger: () => Promise<void>): Promise<void> {
    const next = change(this.model);
    const text = renderEconfig(next, ++this.revision);
    await this.expectUnchanged(name, () => save(style, this.file, text), (s) => s.last_reload?.hash === sha256(text), expected, false);
    await this.expectApplied(`${name}: applied by a reload once the socket is free`, next, text, 'control socket', async () => {
      await free();
      await trigger();
    });
  }

  /** Runs `act` (a save or a reload) and checks that the supervisor ends up running `next`, within 1 s. */
  private async expectApplied(name: string, next: Model, text: string, trigger: string, act: () => Promise<void>): Promise<void> {
    const listed = Object.keys(next).map(Number).filter((e) => this.listed.includes(e));
    const changed = listed.filter((e) => JSON.stringify(next[e]) !== JSON.stringify(this.model[e]));
    const rebound = changed.filter((e) => next[e]!.enabled && (!this.model[e]!.enabled || !sameSocket(next[e]!.socket, this.model[e]!.socket)));
    // Only environments that move, stop, start or lose our client may fail a request.
    const disturbed = changed.filter((e) => rebound.includes(e) || !next[e]!.enabled || reachable(next[e]!) !== reachable(this.model[e]!));
    this.ledger.begin(name, disturbed);
    const before = await this.supervisor.status();
    await act();
    const savedAt = Date.now();

    for (const environment of rebound) {
      await this.waitAnswering(environment, next[environment]!, savedAt + APPLY_WITHIN_MS);
      if (reachable(next[environment]!)) this.load.setTarget(environment, socketUri(next[environment]!.socket));
    }
    const status = await this.supervisor.waitStatus(
      (s) => s.last_reload?.hash === sha256(text) && JSON.stringify(s.last_reload) !== JSON.stringify(before.last_reload),
      savedAt + APPLY_WITHIN_MS - Date.now(),
      `${name}: reload of the saved file`,
    );
    expect(status.last_reload, name).to.include({ result: 'ok', trigger });
    const changedIn = status.last_reload.changes.map((c) => Number(/^environment (\d+):/.exec(c)?.[1]));
    expect([...new Set(changedIn)].sort(), `${name}: changes ${JSON.stringify(status.last_reload.changes)}`).to.deep.equal(changed);
    this.checkListeners(status, before, next);

    // Old sockets close after the move, unless another environment took them over.
    for (const environment of changed) {
      const old = this.model[environment]!;
      const released = old.enabled && (!next[environment]!.enabled || !sameSocket(old.socket, next[environment]!.socket));
      const reused = listed.some((e) => next[e]!.enabled && sameSocket(next[e]!.socket, old.socket));
      if (released && !reused) await waitClosed('unix' in old.socket ? { path: old.socket.unix } : old.socket, 2000);
    }
    this.model = next;
    this.text = text;
    this.aimLoad();
    for (const environment of changed) {
      if (next[environment]!.enabled && !reachable(next[environment]!)) await this.expectRefused(environment, next[environment]!);
    }
    this.ledger.end();
  }

  /** An invalid edit: `breakage` applied to the current model, or a changed copy of it. */
  async broken(name: string, style: SaveStyle, breakage: Breakage, expected: RegExp, model: Model = this.model): Promise<void> {
    const text = renderEconfig(model, ++this.revision, breakage);
    await this.expectUnchanged(name, () => save(style, this.file, text), (s) => s.last_reload?.hash === sha256(text), expected, true);
  }

  /** Deletes the file (nothing may change), then writes the applied text back. */
  async deleteAndRestore(): Promise<void> {
    await this.expectUnchanged('file deleted', async () => rmSync(this.file), (s) => s.last_reload?.result === 'error' && s.last_reload.hash === undefined, /cannot read/, false);
    this.ledger.begin('file restored', []);
    const before = await this.supervisor.status();
    await save('in-place', this.file, this.text);
    this.edits += 1;
    // The content hash equals the applied one: the reload the save causes
    // records an ok result on it (the last one was the deletion's error) and
    // changes nothing.
    const restored = await this.supervisor.waitStatus((s) => s.last_reload?.result === 'ok' && s.last_reload.hash === sha256(this.text), 3000, 'file restored: reload result');
    expect(restored.last_reload.changes).to.deep.equal([]);
    expect(listenerShape(restored)).to.deep.equal(listenerShape(before));
    // The file is valid and applied again: an explicit reload must say so, not repeat the old error.
    const reload = await this.supervisor.reload();
    expect(reload, 'reload after the restore').to.include({ result: 'ok', hash: sha256(this.text) });
    expect(reload.changes).to.deep.equal([]);
    expect(listenerShape(await this.supervisor.status())).to.deep.equal(listenerShape(before));
    this.ledger.end();
  }

  private async expectUnchanged(name: string, act: () => Promise<void>, done: (s: SupervisorStatus) => boolean, expected: RegExp, located: boolean): Promise<void> {
    this.ledger.begin(name, []);
    const before = await this.supervisor.status();
    await act();
    this.edits += 1;
    this.rejected += 1;
    const status = await this.supervisor.waitStatus(done, 3000, `${name}: reload result`);
    const { messages, result } = status.last_reload;
    expect(result, name).to.equal('error');
    expect(messages.length, `${name}: messages`).to.be.greaterThan(0);
    expect(messages.some((m) => expected.test(m)), `${name}: ${JSON.stringify(messages)} should match ${expected}`).to.equal(true);
    if (located) for (const m of messages) expect(m, name).to.match(/:\d+:\d+: /);
    expect(listenerShape(status), `${name}: listeners`).to.deep.equal(listenerShape(before));
    this.ledger.end();
  }

  /** Each listed environment's listener as `model` says; a listener keeps its `since` unless its socket changed. */
  private checkListeners(status: SupervisorStatus, before: SupervisorStatus, model: Model): void {
    const expected = this.listed
      .filter((e) => model[e]!.enabled)
      .map((e) => ({ i_environment: e, socket: socketUri(model[e]!.socket), allow: model[e]!.allow.map(normalisedPrefix) }));
    const actual = listenerShape(status).map(({ i_environment, socket, allow }) => ({ i_environment, socket, allow: [...allow] }));
    expect(actual, 'listeners').to.deep.equal(expected);
    for (const listener of listenerShape(status)) {
      const previous = listenerShape(before).find((l) => l.i_environment === listener.i_environment);
      const rebound = previous === undefined || previous.socket !== listener.socket;
      // Same socket: unchanged or updated in place, never restarted.
      if (!rebound) expect(listener.since, `environment ${listener.i_environment} restarted`).to.equal(previous.since);
    }
  }

  /** Polls ping on the environment's new socket until it answers for that environment. */
  private async waitAnswering(environment: number, env: EnvironmentModel, deadline: number): Promise<void> {
    const uri = socketUri(env.socket);
    for (;;) {
      const client = new RoutingClient(uri, { timeoutMs: 500 });
      try {
        if ((await client.ping()).i_environment === environment) return;
      } catch {
        // not there yet
      } finally {
        client.close();
      }
      if (Date.now() > deadline) throw new Error(`environment ${environment} not answering on ${uri} within ${APPLY_WITHIN_MS} ms of the save`);
      await delay(20);
    }
  }

  private async expectRefused(environment: number, env: EnvironmentModel): Promise<void> {
    const client = new RoutingClient(socketUri(env.socket), { timeoutMs: 2000 });
    try {
      await client.ping();
      expect.fail(`environment ${environment} answered a client its allow-list no longer has`);
    } catch (err) {
      expect(err, String(err)).to.be.instanceOf(RpcCallError);
      expect((err as RpcCallError).failure).to.equal('remote');
    } finally {
      client.close();
    }
  }
}
