// A three-node cluster for browser tests: scripts/cluster-local.sh (PostgreSQL, coturn, three server processes and
// the deployed nginx with a self-signed certificate, all on loopback) with the server already built. Stopped with
// SIGINT, which makes the script stop everything by pid and delete its data.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { waitUntil } from './server.mjs';

const script = resolve(import.meta.dirname, '../../../scripts/cluster-local.sh');

export async function startCluster() {
  const log = [];
  const child = spawn('bash', [script], {
    env: { ...process.env, WECOMPANY_CLUSTER_NO_BUILD: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => log.push(String(chunk)));
  child.stderr.on('data', (chunk) => log.push(String(chunk)));
  let exited = null;
  const exit = new Promise((done) => child.once('exit', (code) => { exited = code ?? 'signal'; done(); }));

  const banner = await waitUntil(() => {
    if (exited !== null) throw new Error(`scripts/cluster-local.sh exited with ${exited}:\n${log.join('').slice(-3000)}`);
    const text = log.join('');
    return text.includes('kill -9 <pid>') ? text : null;
  }, 120_000, 'the cluster to start');
  const url = banner.match(/open (https:\/\/127\.0\.0\.1:\d+)\//)[1];
  const nodes = [...banner.matchAll(/(node\d): pid (\d+), (http:\/\/127\.0\.0\.1:\d+)\//g)]
    .map(([, id, pid, direct]) => ({ id, pid: Number(pid), direct }));

  return {
    url,
    log,
    nodes,
    /** The node whose signaling room count is above zero: where nginx's hash put the one meeting. */
    async nodeHostingTheMeeting() {
      return await waitUntil(async () => {
        for (const node of nodes.filter((n) => !n.killed)) {
          const metrics = await (await fetch(`${node.direct}/metrics`)).text();
          if (/^signaling_rooms [1-9]/m.test(metrics)) return node;
        }
        return null;
      }, 10_000, 'a node hosting the meeting');
    },
    /** SIGKILL: the node disappears without a drain, as when its host dies. */
    kill(node) {
      process.kill(node.pid, 'SIGKILL');
      node.killed = true;
      log.push(`--- ${node.id} killed ---\n`);
    },
    async stop() {
      if (exited === null) child.kill('SIGINT');
      await Promise.race([exit, new Promise((done) => setTimeout(done, 30_000))]);
    },
  };
}
