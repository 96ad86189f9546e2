// Time from clicking "Join now" to the first decoded remote video frame, over 10 joins of one page into a
// meeting where the host publishes camera and microphone. Prints p50 and p99 (nearest rank).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { byTestId, joinByLink, launchBrowser, openPerson, registerAndSignIn, scheduleMeeting, withMedia } from '../e2e/support/browser.mjs';
import { startServer } from '../e2e/support/server.mjs';

const joins = 10;
const meetingPassword = 'meet1234';

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

describe('joining a meeting', { timeout: 240_000 }, () => {
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

  it(`shows the first remote frame soon after "Join" (${joins} joins)`, async () => {
    const [host, guest] = await Promise.all(['hana', 'gus'].map((name) => openPerson(browser, server.url, name)));
    await Promise.all([registerAndSignIn(host), registerAndSignIn(guest)]);
    const meeting = await scheduleMeeting(host, 'Join timing', meetingPassword);
    await joinByLink(host, meeting.link, meetingPassword);

    const samples = [];
    for (let i = 0; i < joins; i++) {
      await guest.page.goto(withMedia(new URL(meeting.link).pathname));
      await byTestId(guest.page, 'join-password').fill(meetingPassword);
      await byTestId(guest.page, 'preview-video').waitFor();
      await byTestId(guest.page, 'join-submit').click();
      // In the page: poll the peer connections' stats until a remote video frame is decoded.
      const elapsed = await guest.page.evaluate(async () => {
        const deadline = performance.now() + 10_000;
        while (performance.now() < deadline) {
          for (const connection of window.__e2e.connections) {
            const report = await connection.getStats();
            let decoded = false;
            report.forEach((entry) => { if (entry.type === 'inbound-rtp' && entry.kind === 'video' && (entry.framesDecoded ?? 0) > 0) decoded = true; });
            if (decoded) return performance.now() - window.__e2e.joinClickedAt;
          }
          await new Promise((done) => setTimeout(done, 10));
        }
        return null;
      });
      assert.notEqual(elapsed, null, `join ${i + 1}: no remote frame within 10 s`);
      samples.push(elapsed);
      await byTestId(guest.page, 'leave').click();
      await byTestId(guest.page, 'schedule-form').waitFor();
      // The host's page lets go of the guest before the next join.
      await host.page.locator('[data-testid="video-tile"]').waitFor({ state: 'detached' });
    }

    const sorted = [...samples].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    console.log(`join to first remote frame over ${joins} joins: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms (all: ${sorted.map((ms) => ms.toFixed(0)).join(', ')})`);
    // The figures are reported (docs/benchmarks.md), not asserted against the goal: timings here vary 2x with
    // load. Ten seconds for a first frame means something is broken.
    assert.ok(p99 < 10_000, `a join waited ${p99.toFixed(0)} ms for the first remote frame`);
  });
});
