import { execFileSync } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  node: string;
  os: string;
  disk: {
    path: string;
    filesystem: string;
    device: string;
    rotational: string;
    fdatasyncMs: { p50: number; p99: number };
  };
}

const sh = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};

/** `uptime` as it prints (load averages over 1, 5 and 15 minutes). */
export const uptime = (): string =>
  sh('uptime', []) ||
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

/**
 * The processes using the most CPU over the last half second (`top`'s second frame), as
 * "%CPU command": other engineers' test runs share this machine.
 */
export function busiest(): string[] {
  const frames = sh('top', ['-b', '-n', '2', '-d', '0.5', '-w', '200']).split(/\n(?=top - )/);
  const last = frames.at(-1) ?? '';
  const lines = last.split('\n');
  const header = lines.findIndex((l) => /^\s*PID\s/.test(l));
  if (header < 0) return [];
  return lines
    .slice(header + 1, header + 7)
    .map((l) => l.trim().split(/\s+/))
    .map((f) => `${f[8]}% ${f.slice(11).join(' ')} (pid ${f[0]})`);
}

/** Latency of a 4 KiB write + fdatasync on `dir`'s disk: what one durable commit costs at least. */
function fsyncLatency(dir: string): { p50: number; p99: number } {
  const file = path.join(dir, 'fsync-probe');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 7);
  const times: number[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      writeSync(fd, block, 0, block.length, (i % 16) * 4096);
      const t = process.hrtime.bigint();
      fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((times[Math.min(times.length - 1, Math.floor(q * times.length))] as number) * 100) / 100;
  return { p50: at(0.5), p99: at(0.99) };
}

export function machineInfo(dataDir: string): MachineInfo {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? '?';
  const df = sh('df', ['-T', dataDir]).split('\n')[1]?.split(/\s+/) ?? [];
  const device = df[0] ?? '?';
  const base = path.basename(device).replace(/\d+$/, '');
  let rotational = '?';
  try {
    rotational =
      readFileSync(`/sys/block/${base}/queue/rotational`, 'utf8').trim() === '1'
        ? 'reported rotational (virtual disk)'
        : 'non-rotational';
  } catch {}
  return {
    cpuModel: model,
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    disk: { path: dataDir, filesystem: df[1] ?? '?', device, rotational, fdatasyncMs: fsyncLatency(dataDir) },
  };
}
