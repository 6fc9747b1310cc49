/**
 * Where the real LAVA server is: the variables scripts/lava-up.sh prints (from
 * the environment, or its lava.env file). Without a server the tests skip with
 * a reason, except in CI, where a missing server is a failure.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface RealLava {
  rpcUrl: string;
  user: string;
  token: string;
  deviceType: string;
  downDeviceType: string;
  stateDir: string;
}

export function realLava(): RealLava | { missing: string } {
  const file = `${process.env.LAVA_STATE_DIR ?? '/var/lib/cbuild-bot-lava'}/lava.env`;
  const fromFile: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) fromFile[m[1]] = m[2];
    }
  }
  const get = (key: string) => process.env[key] ?? fromFile[key];
  const rpcUrl = get('LAVA_RPC_URL');
  const tokenFile = get('LAVA_TOKEN_FILE');
  if (!rpcUrl || !tokenFile || !existsSync(tokenFile)) {
    return { missing: `no real LAVA server (run scripts/lava-up.sh; looked for LAVA_RPC_URL/LAVA_TOKEN_FILE and ${file})` };
  }
  return {
    rpcUrl,
    user: get('LAVA_USER') ?? 'admin',
    token: readFileSync(tokenFile, 'utf8').trim(),
    deviceType: get('LAVA_DEVICE_TYPE') ?? 'ssh',
    downDeviceType: get('LAVA_DOWN_DEVICE_TYPE') ?? 'ssh-unreachable',
    stateDir: get('LAVA_STATE_DIR') ?? '/var/lib/cbuild-bot-lava',
  };
}

/** Skips the suite (or fails it in CI) when there is no server. */
export function requireRealLava(ctx: Mocha.Context): RealLava {
  const lava = realLava();
  if ('missing' in lava) {
    if (process.env.CI === 'true') throw new Error(`CI must run the real-LAVA tests: ${lava.missing}`);
    console.log(`      skipped: ${lava.missing}`);
    ctx.skip();
  }
  return lava as RealLava;
}

/** Polls `check` until it returns a value. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 180_000, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
