// Real Kamailio (Debian's `kamailio` and `kamailio-utils-modules`) running
// the shipped etc/kamailio/sippy_routed.cfg with only its settings changed:
// the `#!substdef` values at its top, and its optional `##!define` lines
// turned on. Started in the foreground (-DD -E, logs on stderr), ready once
// it answers an OPTIONS, stopped with SIGTERM. Where Kamailio or a module
// the config loads is not installed, kamailioMissing() says why.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { delay } from './rpc.js';
import { parseSip, randomToken, serialize } from './sip.js';

export const SHIPPED_CONFIG = fileURLToPath(new URL('../../../etc/kamailio/sippy_routed.cfg', import.meta.url));

const BINARIES = ['/usr/sbin/kamailio', '/usr/local/sbin/kamailio'];
const MODULE_DIRS = ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/aarch64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules', '/usr/local/lib/kamailio/modules'];

/** The kamailio binary, or undefined. */
export function kamailioBinary(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v kamailio'], { encoding: 'utf8' }).stdout.trim();
  return onPath !== '' ? onPath : BINARIES.find((path) => existsSync(path));
}

/** Why the shipped config cannot run here (no kamailio, a module it loads missing), or undefined when it can. */
export function kamailioMissing(): string | undefined {
  const binary = kamailioBinary();
  if (binary === undefined) return 'kamailio is not installed';
  const modules = [...readFileSync(SHIPPED_CONFIG, 'utf8').matchAll(/^loadmodule "([^"]+)"/gm)].map((m) => m[1]!);
  const dir = MODULE_DIRS.find((d) => existsSync(join(d, 'tm.so')));
  const absent = modules.filter((module) => dir === undefined || !existsSync(join(dir, module)));
  return absent.length === 0 ? undefined : `Kamailio modules ${absent.join(', ')} are not installed (package kamailio-utils-modules)`;
}

export interface KamailioSettings {
  /** 127.0.0.1 UDP port Kamailio listens on. */
  readonly port: number;
  readonly daemonUrl: string;
  readonly routingGroup: string;
  /** Turns WITH_GROUP_HEADER on with this header name. */
  readonly groupHeader?: string;
  /** Turns WITH_GROUP_IN_NUMBER on with this separator. */
  readonly groupSeparator?: string;
}

/** The shipped config with these settings; throws when a setting is not there exactly once. */
export function configWith(settings: KamailioSettings): string {
  let text = readFileSync(SHIPPED_CONFIG, 'utf8');
  const set = (name: string, value: string): void => {
    const line = new RegExp(`^#!substdef "!${name}!([^!]*)!g"$`, 'gm');
    if ((text.match(line) ?? []).length !== 1) throw new Error(`the shipped config has no single setting ${name}`);
    text = text.replace(line, `#!substdef "!${name}!${value}!g"`);
  };
  const enable = (name: string): void => {
    const line = `##!define ${name}\n`;
    if (text.split(line).length !== 2) throw new Error(`the shipped config has no single optional setting ${name}`);
    text = text.replace(line, `#!define ${name}\n`);
  };
  set('SR_LISTEN', `udp:127.0.0.1:${settings.port}`);
  set('SR_DAEMON_URL', settings.daemonUrl);
  set('SR_ROUTING_GROUP', settings.routingGroup);
  set('SR_CHILDREN', '2');
  if (settings.groupHeader !== undefined) {
    enable('WITH_GROUP_HEADER');
    set('SR_GROUP_HEADER', settings.groupHeader);
  }
  if (settings.groupSeparator !== undefined) {
    enable('WITH_GROUP_IN_NUMBER');
    set('SR_GROUP_SEPARATOR', settings.groupSeparator);
  }
  return text;
}

/** A free UDP port on 127.0.0.1 (bound, then released for the child to take). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export class KamailioProcess {
  stderr = '';
  private readonly exited: Promise<void>;
  private running = true;

  private constructor(private readonly child: ChildProcess, readonly port: number) {
    child.stdout!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    void this.exited.then(() => (this.running = false));
  }

  /** Writes the config into `dir`, starts Kamailio on it, and resolves once it answers SIP. */
  static async start(settings: KamailioSettings, dir: string): Promise<KamailioProcess> {
    const config = join(dir, 'sippy_routed.cfg');
    writeFileSync(config, configWith(settings));
    const child = spawn(kamailioBinary()!, ['-DD', '-E', '-f', config, '-Y', dir, '-P', join(dir, 'kamailio.pid'), '-w', dir, '-m', '64', '-M', '8'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const kamailio = new KamailioProcess(child, settings.port);
    try {
      await kamailio.waitUntilAnswering();
    } catch (err) {
      await kamailio.stop();
      throw err;
    }
    return kamailio;
  }

  /** OPTIONS to the proxy until it answers 200, at most `timeoutMs`. */
  private async waitUntilAnswering(timeoutMs = 15_000): Promise<void> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    let answered = false;
    socket.on('message', (datagram) => (answered ||= parseSip(datagram).status === 200));
    try {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline && !answered; await delay(100)) {
        if (!this.running) throw new Error(`kamailio exited before answering SIP:\n${this.stderr}`);
        const via = `SIP/2.0/UDP 127.0.0.1:${socket.address().port};rport;branch=z9hG4bK${randomToken()}`;
        socket.send(
          serialize(`OPTIONS sip:127.0.0.1:${this.port} SIP/2.0`, [
            ['via', via], ['max-forwards', '70'], ['from', `<sip:probe@127.0.0.1>;tag=${randomToken()}`], ['to', `<sip:127.0.0.1:${this.port}>`],
            ['call-id', `${randomToken()}@127.0.0.1`], ['cseq', '1 OPTIONS'],
          ]),
          this.port,
          '127.0.0.1',
        );
      }
      if (!answered) throw new Error(`kamailio did not answer OPTIONS within ${timeoutMs} ms:\n${this.stderr}`);
    } finally {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
  }

  /** SIGTERM, then SIGKILL if it is still there after 10 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(killer);
  }
}
