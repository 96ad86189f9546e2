// Starts the built WeCompany server on a free loopback port with a temporary data folder, and stops it by pid.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../../..');
export const serverDll = join(repoRoot, 'src/WeCompany.Server/bin/Release/net10.0/WeCompanyServer.dll');

/** A port the kernel just handed out and released; nothing else in the test binds in between. */
async function freePort() {
  return await new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

/** Polls `condition` every 100 ms until it returns a truthy value or `timeoutMs` passes. */
export async function waitUntil(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
}

export async function startServer() {
  const dataDir = await mkdtemp(join(tmpdir(), 'wecompany-e2e-'));
  const httpPort = await freePort();
  const log = [];
  const url = `http://127.0.0.1:${httpPort}`;
  let process_ = await launch(dataDir, httpPort, url, log);

  return {
    url,
    log,
    /** SIGTERM, then the same server again: same port, same data folder (accounts, meetings, signing key). */
    async restart() {
      await process_.stop();
      log.push('--- restarted ---\n');
      process_ = await launch(dataDir, httpPort, url, log);
    },
    async stop() {
      await process_.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function launch(dataDir, httpPort, url, log) {
  const child = spawn('dotnet', [serverDll, '--http-port', String(httpPort), '-p', '0', '--media-port', '0', '--data-dir', dataDir], {
    cwd: dataDir,
    env: {
      ...process.env,
      WECOMPANY_Http__Address: '127.0.0.1',
      WECOMPANY_Auth__PasswordIterations: '10000',
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_NOLOGO: '1',
      // WECOMPANY_E2E_TRACE=1: the SFU's negotiation at debug level in the server log.
      ...(process.env.WECOMPANY_E2E_TRACE === '1' ? { 'WECOMPANY_Logging__LogLevel__WeCompany.Server.Sfu': 'Debug', 'WECOMPANY_Logging__LogLevel__WeCompany.Media': 'Debug' } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => log.push(String(chunk)));
  child.stderr.on('data', (chunk) => log.push(String(chunk)));
  let exited = null;
  child.once('exit', (code) => { exited = code ?? 'signal'; });

  try {
    await waitUntil(async () => {
      if (exited !== null) throw new Error(`server exited (${exited}):\n${log.join('')}`);
      const answer = await fetch(`${url}/healthz`);
      return answer.ok;
    }, 30_000, 'the server to answer /healthz');
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n--- server output ---\n${log.join('').slice(-4000)}`);
  }

  return {
    async stop() {
      if (exited !== null) return;
      const gone = new Promise((done) => child.once('exit', done));
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => { if (exited === null) process.kill(child.pid, 'SIGKILL'); }, 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
