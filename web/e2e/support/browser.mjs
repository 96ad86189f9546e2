// Debian's Chromium driven by playwright-core, with fake camera and microphone, and page helpers for the flows.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

/** The SFU, the web client's default; WECOMPANY_E2E_MEDIA=mesh switches every page to peer-to-peer. */
export const mediaMode = process.env.WECOMPANY_E2E_MEDIA ?? 'sfu';
export const artifacts = resolve(import.meta.dirname, '../artifacts');
export const password = 'SecurePass123!';

const flags = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
];

export async function launchBrowser() {
  await mkdir(artifacts, { recursive: true });
  return await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: flags, timeout: 30_000 });
}

// Runs in every page before the app: keeps the page's RTCPeerConnections in a list the tests read with
// getStats, and notes when "Join now" was clicked. The app itself is unchanged.
function instrument(trace) {
  const connections = [];
  window.__e2e = { connections, joinClickedAt: null };
  window.RTCPeerConnection = new Proxy(window.RTCPeerConnection, {
    construct(target, args, newTarget) {
      const connection = Reflect.construct(target, args, newTarget);
      connections.push(connection);
      if (trace) {
        // WECOMPANY_E2E_TRACE=1: every description set, in order, with the signaling state, on the console.
        const n = connections.length;
        for (const method of ['setLocalDescription', 'setRemoteDescription']) {
          const original = connection[method].bind(connection);
          connection[method] = async (description) => {
            const before = connection.signalingState;
            try {
              await original(description);
              const set = method === 'setLocalDescription' ? connection.localDescription : connection.remoteDescription;
              console.log(`pc${n} ${method} ${before}->${connection.signalingState} ${set?.type}\n${set?.sdp ?? ''}`);
            } catch (error) {
              console.log(`pc${n} ${method} ${description?.type} in ${before} failed: ${error}`);
              throw error;
            }
          };
        }
        connection.addEventListener('connectionstatechange', () => console.log(`pc${n} connection ${connection.connectionState}`));
        connection.addEventListener('iceconnectionstatechange', () => console.log(`pc${n} ice ${connection.iceConnectionState}`));
        connection.addEventListener('icegatheringstatechange', () => console.log(`pc${n} gathering ${connection.iceGatheringState}`));
        connection.addEventListener('icecandidate', (event) => console.log(`pc${n} candidate ${event.candidate?.candidate ?? 'end'} ufrag ${event.candidate?.usernameFragment}`));
        connection.addEventListener('track', (event) => console.log(`pc${n} track ${event.track.kind} ${event.track.id} mid ${event.transceiver.mid} streams ${event.streams.map((s) => s.id)}`));
      }
      return connection;
    },
  });
  document.addEventListener('click', (event) => {
    if (event.target instanceof Element && event.target.closest('[data-testid="join-submit"]')) {
      window.__e2e.joinClickedAt = performance.now();
    }
  }, true);
}

/**
 * One person: their own browser context (own storage, own devices) and page. `selfSignedTls` accepts a gateway's
 * self-signed certificate (the cluster test's nginx).
 */
export async function openPerson(browser, baseUrl, name, { selfSignedTls = false } = {}) {
  const context = await browser.newContext({
    baseURL: baseUrl, viewport: { width: 1280, height: 800 }, permissions: ['camera', 'microphone'], ignoreHTTPSErrors: selfSignedTls,
  });
  context.setDefaultTimeout(15_000);
  await context.addInitScript(instrument, process.env.WECOMPANY_E2E_TRACE === '1');
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  const console = [];
  const log = [];
  page.on('console', (message) => {
    if (message.type() === 'error') console.push(message.text());
    log.push(`${new Date().toISOString()} ${message.type()} ${message.text()}`);
  });
  page.on('pageerror', (error) => console.push(String(error)));
  return { name, context, page, console, log, username: `${name}${Date.now().toString(36)}`.slice(0, 30) };
}

/** Writes the server's output and each page's console to web/e2e/artifacts/ (read them when a test fails). */
export async function saveLogs(prefix, server, people) {
  await mkdir(artifacts, { recursive: true });
  if (server !== undefined) await writeFile(join(artifacts, `${prefix}-server.log`), server.log.join(''));
  for (const person of people.filter((p) => p !== undefined)) {
    await writeFile(join(artifacts, `${prefix}-${person.name}.console.log`), person.log.join('\n'));
  }
}

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

export function withMedia(path, mode = mediaMode) {
  return `${path}${path.includes('?') ? '&' : '?'}media=${mode}`;
}

/** Registers through the form, signs out, and signs in again through the sign-in form. */
export async function registerAndSignIn(person, mode = mediaMode) {
  const { page } = person;
  await page.goto(withMedia('/register', mode));
  await byTestId(page, 'auth-username').fill(person.username);
  await byTestId(page, 'auth-email').fill(`${person.username}@example.com`);
  await byTestId(page, 'auth-full-name').fill(`${person.name[0].toUpperCase()}${person.name.slice(1)} Tester`);
  await byTestId(page, 'auth-password').fill(password);
  await byTestId(page, 'auth-submit').click();
  await byTestId(page, 'user-name').waitFor();
  await byTestId(page, 'sign-out').click();
  await byTestId(page, 'login-form').waitFor();
  await byTestId(page, 'auth-username').fill(person.username);
  await byTestId(page, 'auth-password').fill(password);
  await byTestId(page, 'auth-submit').click();
  await byTestId(page, 'schedule-form').waitFor();
}

/** Schedules a meeting through the form; returns its code and join link. */
export async function scheduleMeeting(person, title, meetingPassword) {
  const { page } = person;
  await byTestId(page, 'schedule-title').fill(title);
  await byTestId(page, 'schedule-max').fill('10');
  if (meetingPassword !== undefined) {
    await byTestId(page, 'schedule-require-password').check();
    await byTestId(page, 'schedule-password').fill(meetingPassword);
  }
  await byTestId(page, 'schedule-submit').click();
  const code = (await byTestId(page, 'created-code').textContent()).trim();
  const link = await byTestId(page, 'created-link').inputValue();
  return { code, link };
}

/** Opens the join link, gives the password and joins; resolves when the room shows. */
export async function joinByLink(person, link, meetingPassword, mode = mediaMode) {
  const { page } = person;
  await page.goto(withMedia(new URL(link).pathname, mode));
  await byTestId(page, 'join-form').waitFor();
  if (meetingPassword !== undefined) await byTestId(page, 'join-password').fill(meetingPassword);
  await byTestId(page, 'join-submit').click();
  await byTestId(page, 'room-toolbar').waitFor();
}

/** framesDecoded of every inbound video stream on the page's open peer connections. */
export async function decodedFrames(page) {
  return await page.evaluate(async () => {
    const counts = [];
    for (const connection of window.__e2e.connections) {
      if (connection.connectionState === 'closed') continue;
      const report = await connection.getStats();
      report.forEach((entry) => {
        if (entry.type === 'inbound-rtp' && entry.kind === 'video') counts.push(entry.framesDecoded ?? 0);
      });
    }
    return counts;
  });
}

/** Waits until `remotes` remote videos decode frames and keep decoding (the count grows between two reads). */
export async function expectRemoteVideo(person, remotes, timeoutMs = 20_000) {
  const { page } = person;
  const deadline = Date.now() + timeoutMs;
  let first = [];
  for (;;) {
    first = (await decodedFrames(page)).filter((count) => count > 0);
    if (first.length >= remotes) break;
    if (Date.now() > deadline) throw new Error(`${person.name} decodes ${first.length} of ${remotes} remote videos`);
    await page.waitForTimeout(100);
  }
  for (;;) {
    const now = (await decodedFrames(page)).filter((count) => count > 0);
    const growing = now.filter((count) => count > Math.min(...first)).length;
    if (growing >= remotes) break;
    if (Date.now() > deadline) throw new Error(`${person.name}'s remote videos stopped decoding: ${first} then ${now}`);
    await page.waitForTimeout(100);
  }
  // The tiles show it too: every remote <video> has a picture size and is playing.
  await page.waitForFunction((n) => {
    const videos = [...document.querySelectorAll('[data-testid="remote-video"]')];
    return videos.filter((video) => video.videoWidth > 0 && !video.paused).length >= n;
  }, remotes, { timeout: Math.max(1_000, deadline - Date.now()) });
}

export async function screenshot(person, name) {
  await person.page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}
