// Time from clicking "Join now" to the first decoded remote video frame, over N joins (WECOMPANY_BENCH_JOINS,
// 20 by default) of one page into a meeting where the host publishes camera and microphone; through the SFU and,
// in the same run as a baseline, peer-to-peer (mesh). Prints p50 and p99 (nearest rank) and where the time went:
// click → peer connection created → connected (ICE + DTLS) → first video packet → first frame decoded.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { byTestId, joinByLink, launchBrowser, openPerson, registerAndSignIn, scheduleMeeting, withMedia } from '../e2e/support/browser.mjs';
import { startServer } from '../e2e/support/server.mjs';

const joins = Number(process.env.WECOMPANY_BENCH_JOINS ?? 20);
const modes = (process.env.WECOMPANY_BENCH_MODES ?? 'sfu,mesh').split(',');
const meetingPassword = 'meet1234';

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const summary = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), sorted };
};

describe('joining a meeting', { timeout: 600_000 }, () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const mode of modes) {
    it(`shows the first remote frame soon after "Join" (${mode}, ${joins} joins)`, async () => {
      const [host, guest] = await Promise.all([`hana${mode}`, `gus${mode}`].map((name) => openPerson(browser, server.url, name)));
      await Promise.all([registerAndSignIn(host, mode), registerAndSignIn(guest, mode)]);
      const meeting = await scheduleMeeting(host, `Join timing ${mode}`, meetingPassword);
      await joinByLink(host, meeting.link, meetingPassword, mode);

      const samples = [];
      for (let i = 0; i < joins; i++) {
        await guest.page.goto(withMedia(new URL(meeting.link).pathname, mode));
        await byTestId(guest.page, 'join-password').fill(meetingPassword);
        await byTestId(guest.page, 'preview-video').waitFor();
        await byTestId(guest.page, 'join-submit').click();
        // In the page: poll the peer connections' stats until a remote video frame is decoded, noting when the
        // connection was created, connected, and received its first video packet.
        const timing = await guest.page.evaluate(async () => {
          const start = window.__e2e.joinClickedAt;
          const marks = { created: null, connected: null, firstPacket: null, firstFrame: null };
          const deadline = performance.now() + 10_000;
          while (performance.now() < deadline) {
            for (const connection of window.__e2e.connections) {
              if (connection.connectionState === 'closed') continue;
              marks.created ??= performance.now() - start;
              if (connection.connectionState === 'connected') marks.connected ??= performance.now() - start;
              const report = await connection.getStats();
              report.forEach((entry) => {
                if (entry.type !== 'inbound-rtp' || entry.kind !== 'video') return;
                if ((entry.packetsReceived ?? 0) > 0) marks.firstPacket ??= performance.now() - start;
                if ((entry.framesDecoded ?? 0) > 0) marks.firstFrame ??= performance.now() - start;
              });
            }
            if (marks.firstFrame !== null) return marks;
            await new Promise((done) => setTimeout(done, 10));
          }
          return marks;
        });
        assert.notEqual(timing.firstFrame, null, `${mode} join ${i + 1}: no remote frame within 10 s (${JSON.stringify(timing)})`);
        samples.push(timing);
        await byTestId(guest.page, 'leave').click();
        await byTestId(guest.page, 'schedule-form').waitFor();
        // The host's page lets go of the guest before the next join.
        await host.page.locator('[data-testid="video-tile"]').waitFor({ state: 'detached' });
      }

      const frame = summary(samples.map((s) => s.firstFrame));
      const stage = (name) => summary(samples.map((s) => s[name] ?? Number.NaN)).p50.toFixed(0);
      console.log(`${mode}: join to first remote frame over ${joins} joins: p50 ${frame.p50.toFixed(0)} ms, p99 ${frame.p99.toFixed(0)} ms`
        + ` (all: ${frame.sorted.map((ms) => ms.toFixed(0)).join(', ')})`);
      console.log(`${mode}: p50 of each stage after the click: connection created ${stage('created')} ms, connected ${stage('connected')} ms,`
        + ` first video packet ${stage('firstPacket')} ms, first frame ${stage('firstFrame')} ms`);
      if (joins > 10) {
        const first10 = summary(samples.slice(0, 10).map((s) => s.firstFrame));
        console.log(`${mode}: first 10 joins: p50 ${first10.p50.toFixed(0)} ms, p99 ${first10.p99.toFixed(0)} ms`);
      }
      // The figures are reported (docs/benchmarks.md), not asserted against the goal: timings here vary 2x with
      // load. Ten seconds for a first frame means something is broken.
      assert.ok(frame.p99 < 10_000, `a join waited ${frame.p99.toFixed(0)} ms for the first remote frame`);
    });
  }
});
