// Mesh mode still works: two pages opened with ?media=mesh send their media to each other directly (offer and
// answer carry to_user_id), not through the server's SFU.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectRemoteVideo, joinByLink, registerAndSignIn, scheduleMeeting } from './support/browser.mjs';
import { pagesOnOwnServer } from './support/suite.mjs';

describe('a meeting in mesh mode', { timeout: 120_000 }, () => {
  const suite = pagesOnOwnServer('mesh', ['dana', 'eli']);

  it('two pages see each other over a direct peer-to-peer connection', async () => {
    const { people } = suite;
    const [dana, eli] = people;
    await Promise.all(people.map((person) => registerAndSignIn(person, 'mesh')));
    const meeting = await scheduleMeeting(dana, 'Mesh check');
    await joinByLink(dana, meeting.link, undefined, 'mesh');
    await joinByLink(eli, meeting.link, undefined, 'mesh');
    await Promise.all([expectRemoteVideo(dana, 1), expectRemoteVideo(eli, 1)]);
    for (const person of people) {
      // The SFU is ICE-lite (its SDP says a=ice-lite); a browser peer is a full ICE agent.
      const remotes = await person.page.evaluate(() => window.__e2e.connections
        .filter((connection) => connection.connectionState === 'connected')
        .map((connection) => connection.remoteDescription?.sdp ?? ''));
      assert.equal(remotes.length, 1, `${person.name} has one connected peer connection`);
      assert.doesNotMatch(remotes[0], /a=ice-lite/, `${person.name}'s peer is the other browser, not the SFU`);
    }
  });
});
