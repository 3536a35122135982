/**
 * Helpers for tests that drive the test API server from outside: kubectl as a child process
 * (the server runs in the test's own process, so the call must not block), polling, and the
 * controller as a process.
 */
import { ChildProcess, spawn } from 'child_process';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';

export const KUBECTL = process.env.KUBECTL ?? 'kubectl';

export interface Run { code: number; stdout: string; stderr: string }

export function kubectl(kubeconfig: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Polls `probe` until it gives a value (errors count as not yet), or fails naming `what` and the last error. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const BIN = path.join(__dirname, '..', '..', 'bin', 'cdk8s-gateway');

/** `cdk8s-gateway controller` as a child process: its stderr lines, its admin port, a way to stop it. */
export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly logs: string[];
  readonly adminPort: number;
  /** Resolves when the process has exited, however. */
  readonly exited: Promise<number | null>;
  /** Signals the process (SIGTERM by default) unless it has exited; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Where and as whom the controller process runs; by default the repository's bin, as the test's user. */
export interface SpawnOptions {
  /** The command before `controller`. @default node bin/cdk8s-gateway of this repository */
  readonly command?: string[];
  readonly cwd?: string;
  /** The whole environment. @default the test's, plus JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION */
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
}

/** Starts the compiled controller against `kubeconfig` and waits until it names its admin port. */
export async function spawnController(kubeconfig: string, args: string[], options: SpawnOptions = {}): Promise<ControllerProcess> {
  const [executable, ...prefix] = options.command ?? [process.execPath, BIN];
  const child = spawn(executable, [...prefix, 'controller', '--kubeconfig', kubeconfig, '--bind', '127.0.0.1', '--admin-port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: options.env ?? { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => logs.push(...d.split('\n').filter(Boolean)));
  const adminPort = await until('the controller to start', async () => {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${logs.join('\n')}`);
    const line = logs.find((l) => /admin on port \d+/.test(l));
    return line ? Number(/admin on port (\d+)/.exec(line)![1]) : undefined;
  }, 30_000);
  return {
    child,
    logs,
    adminPort,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface Reply<T> { status: number; body: T }

/**
 * One request to a test API server (`url`), JSON in and out; `token` is sent as a bearer token.
 * Resolves with any status code.
 */
export function apiRequest(url: string, method: string, apiPath: string,
  options: { body?: unknown; contentType?: string; token?: string } = {}): Promise<Reply<any>> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${apiPath}`, {
      method,
      headers: {
        ...options.token ? { authorization: `Bearer ${options.token}` } : {},
        ...payload ? { 'content-type': options.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
      },
    }, (res) => {
      let text = '';
      res.on('data', (c) => text += c);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A GET through a proxy on loopback with a Host header (HTTPS without verifying the certificate); the status and the body. */
export function fetchText(port: number, urlPath: string, host = 'example.com', secure = false): Promise<Reply<string>> {
  return new Promise((resolve, reject) => {
    (secure ? https : http).get({ host: '127.0.0.1', port, path: urlPath, headers: { host }, agent: false, servername: host, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c) => body += c);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}
