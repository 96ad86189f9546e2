// A server restart mid-meeting (an upgrade; in a cluster, a meeting moving to another node looks the same to a
// page): the pages reconnect on their own, the server starts new sessions for them, and the web client builds a
// new connection to the new SFU instead of keeping the dead one — video flows again without a reload.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodedFrames, expectRemoteVideo, joinByLink, registerAndSignIn, scheduleMeeting } from './support/browser.mjs';
import { pagesOnOwnServer } from './support/suite.mjs';

describe('a meeting across a server restart', { timeout: 150_000 }, () => {
  const suite = pagesOnOwnServer('restart', ['fay', 'gus']);

  it('both pages see each other again after the server restarts, without reloading', async () => {
    const { server, people } = suite;
    const [fay, gus] = people;
    await Promise.all(people.map((person) => registerAndSignIn(person, 'sfu')));
    const meeting = await scheduleMeeting(fay, 'Restart check');
    await joinByLink(fay, meeting.link, undefined, 'sfu');
    await joinByLink(gus, meeting.link, undefined, 'sfu');
    await Promise.all([expectRemoteVideo(fay, 1), expectRemoteVideo(gus, 1)]);
    const connectionsBefore = await Promise.all(people.map((person) => person.page.evaluate(() => window.__e2e.connections.length)));

    await server.restart();

    // New connections to the new SFU, and video through them (the old ones are closed, so they do not count).
    await Promise.all([expectRemoteVideo(fay, 1, 45_000), expectRemoteVideo(gus, 1, 45_000)]);
    for (const [i, person] of people.entries()) {
      const states = await person.page.evaluate(() => window.__e2e.connections.map((connection) => connection.connectionState));
      assert.ok(states.length > connectionsBefore[i], `${person.name} opened a new connection after the restart (${states.join(', ')})`);
      assert.equal(states.filter((state) => state === 'connected').length, 1, `${person.name} has exactly one live connection (${states.join(', ')})`);
      assert.equal((await decodedFrames(person.page)).length, 1, `${person.name} receives one remote video`);
    }
  });
});
