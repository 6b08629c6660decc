import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const CLOCK_TICKS = 100; // USER_HZ on Linux

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** VmRSS and VmHWM of a process, in bytes (undefined once it has gone). */
export function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process or one of its threads has used. */
export function cpuSecondsOf(pid: number, tid?: number): number {
  try {
    const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const stat = readFileSync(file, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds per thread name (main thread, libuv pool, V8 workers…) of a process. */
export function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    let name = '?';
    try {
      name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    const key = Number(tid) === pid ? 'main thread' : name;
    out.set(key, (out.get(key) ?? 0) + cpuSecondsOf(pid, Number(tid)));
  }
  return out;
}

/** Busy and total jiffies of the whole machine (/proc/stat), for its load during a phase. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] as string;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((s, x) => s + x, 0);
  return { busy: total - idle, total };
}

export interface ServerOptions {
  root: string;
  dataDir: string;
  port: number;
  databaseUrl?: string;
  operatorPassword: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  log: (line: string) => void;
}

/**
 * The Hearth server as its own process (`node --import tsx packages/server/src/main.ts`), so its
 * memory and CPU are its own; RSS is sampled from /proc while it runs.
 */
export class ServerProcess {
  readonly child: ChildProcess;
  private sampler: NodeJS.Timeout | undefined;
  peakRss = 0;
  peakHwm = 0;
  private phasePeak = 0;
  private stderr = '';
  readonly base: string;

  private constructor(
    child: ChildProcess,
    readonly options: ServerOptions,
  ) {
    this.child = child;
    this.base = `http://127.0.0.1:${options.port}`;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(options: ServerOptions): Promise<ServerProcess> {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      DATA_DIR: options.dataDir,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      HEARTH_DEMO: 'off',
      HEARTH_RATE_LIMIT: '0', // the bench measures the server, not one caller's allowance
      HEARTH_MQTT: 'off',
      LOG_LEVEL: 'warn',
      HEARTH_OPERATOR_USERNAME: 'operator',
      HEARTH_OPERATOR_PASSWORD: options.operatorPassword,
    };
    delete env.DATABASE_URL;
    if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
    const child = spawn(
      process.execPath,
      [...(options.nodeFlags ?? []), '--import', 'tsx', path.join('packages/server/src/main.ts')],
      { cwd: options.root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new ServerProcess(child, options);
    // Everything the server prints (e.g. --trace-gc) goes to DATA_DIR/server-<pid>.log.
    const out = createWriteStream(path.join(options.dataDir, `server-${child.pid}.log`));
    child.stdout?.pipe(out);
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      server.stderr = (server.stderr + text).slice(-20_000);
      for (const line of text.split('\n')) if (line.trim()) options.log(`  [server] ${line.slice(0, 300)}`);
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`server did not start in 120 s:\n${server.stderr}`)),
        120_000,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Hearth is listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before listening:\n${server.stderr}`));
      });
    });
    server.sampler = setInterval(() => server.sample(), 200);
    server.sampler.unref();
    server.sample();
    return server;
  }

  /** Reads RSS now; returns it. */
  sample(): number {
    const m = memoryOf(this.pid);
    if (!m) return 0;
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakHwm = Math.max(this.peakHwm, m.hwm);
    this.phasePeak = Math.max(this.phasePeak, m.rss);
    return m.rss;
  }

  /** The highest sampled RSS since the last call (a phase's peak). */
  takePhasePeak(): number {
    this.sample();
    const peak = this.phasePeak;
    this.phasePeak = 0;
    return peak;
  }

  /** SIGTERM (graceful: the server drains and exits, and --cpu-prof writes its profile). */
  async stop(): Promise<number | null> {
    this.sample();
    if (this.sampler) clearInterval(this.sampler);
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}
