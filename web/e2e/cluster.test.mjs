// The browser client against the cluster as it is deployed: three nodes behind the deployed nginx (TLS, HTTP/2,
// WebSocket proxy hashed on meeting_id), PostgreSQL and coturn (support/cluster.mjs). Two pages meet through the
// gateway; the node hosting their meeting is killed; the pages reconnect through nginx to a survivor and see
// each other again, without a reload, and the chat from before the loss is still there.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  byTestId, decodedFrames, expectRemoteVideo, joinByLink, launchBrowser, openPerson, registerAndSignIn, saveLogs, scheduleMeeting,
} from './support/browser.mjs';
import { startCluster } from './support/cluster.mjs';

async function sendChat(person, text) {
  await byTestId(person.page, 'chat-input').fill(text);
  await byTestId(person.page, 'chat-send').click();
}
async function expectChat(person, text, timeout = 15_000) {
  await byTestId(person.page, 'chat-message').filter({ hasText: text }).first().waitFor({ timeout });
}

describe('a meeting on a cluster behind nginx', { timeout: 240_000 }, () => {
  const suite = { cluster: undefined, browser: undefined, people: [] };
  before(async () => {
    suite.cluster = await startCluster();
    suite.browser = await launchBrowser();
    suite.people = await Promise.all(['hal', 'ida'].map((name) => openPerson(suite.browser, suite.cluster.url, name, { selfSignedTls: true })));
  });
  after(async () => {
    await saveLogs('cluster', suite.cluster, suite.people);
    await suite.browser?.close();
    await suite.cluster?.stop();
  });

  it('two pages meet through the gateway and meet again on a survivor after their node is killed', async () => {
    const { cluster, people } = suite;
    const [hal, ida] = people;
    await Promise.all(people.map((person) => registerAndSignIn(person, 'sfu')));
    const meeting = await scheduleMeeting(hal, 'Cluster check');
    await joinByLink(hal, meeting.link, undefined, 'sfu');
    await joinByLink(ida, meeting.link, undefined, 'sfu');
    await Promise.all([expectRemoteVideo(hal, 1), expectRemoteVideo(ida, 1)]);
    await sendChat(hal, 'before the node is lost');
    await expectChat(ida, 'before the node is lost');

    const hosting = await cluster.nodeHostingTheMeeting();
    cluster.kill(hosting);

    // nginx sends the reconnecting sockets to a survivor; the pages build new SFU connections there.
    await Promise.all([expectRemoteVideo(hal, 1, 60_000), expectRemoteVideo(ida, 1, 60_000)]);
    const survivor = await cluster.nodeHostingTheMeeting();
    assert.notEqual(survivor.id, hosting.id);
    for (const person of people) {
      assert.equal((await decodedFrames(person.page)).length, 1, `${person.name} receives one remote video`);
      await expectChat(person, 'before the node is lost');
    }
    await sendChat(ida, 'after the move');
    await expectChat(hal, 'after the move');
  });
});
