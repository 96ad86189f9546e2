import { describe, expect, it } from 'vitest';
import { Roster } from '../src/ui/room/roster';

function roster(): Roster {
  return new Roster(1, 'ann', 'host', 50);
}

describe('Roster', () => {
  it('takes the people of room-info, skipping itself', () => {
    const r = roster();
    r.applyRoomInfo([
      { user_id: 2, username: 'bob', peer_id: 'peer_b' },
      { user_id: 1, username: 'ann', peer_id: 'peer_a', is_self: true },
    ]);
    expect(r.list().map((m) => [m.userId, m.isSelf])).toEqual([[1, true], [2, false]]);
  });

  it('merges roles and participant ids from REST and drops people REST no longer lists', () => {
    const r = roster();
    r.applyJoined({ user_id: 2, username: 'bob', peer_id: 'peer_b' });
    r.applyJoined({ user_id: 3, username: 'cat' });
    r.applyParticipants([
      { participant_id: 50, user_id: 1, username: 'ann', role: 'host', joined_at: '', audio_muted: false, video_muted: false },
      { participant_id: 51, user_id: 2, username: 'bob', full_name: 'Bob B', role: 'co-host', joined_at: '', audio_muted: true, video_muted: false },
    ]);
    expect(r.get(2)).toMatchObject({ participantId: 51, role: 'co-host', audioMuted: true, fullName: 'Bob B', peerId: 'peer_b' });
    expect(r.get(3)).toBeUndefined();
  });

  it('applies mute and camera notices and reports other actions as unknown', () => {
    const r = roster();
    r.applyJoined({ user_id: 2, username: 'bob' });
    expect(r.applyMediaControl({ action: 'mute', media_type: 'audio', user_id: 2 })).toBe(true);
    expect(r.applyMediaControl({ action: 'video_off', media_type: 'video', user_id: 2 })).toBe(true);
    expect(r.get(2)).toMatchObject({ audioMuted: true, videoMuted: true });
    expect(r.applyMediaControl({ action: 'role_changed', user_id: 2 })).toBe(false);
  });

  it('finds the owner of an SFU stream by peer id or user id', () => {
    const r = roster();
    r.applyRoomInfo([{ user_id: 2, username: 'bob', peer_id: 'peer_b' }, { user_id: 3, username: 'cat', peer_id: 'peer_c' }]);
    expect(r.ownerOfStream('peer_b')).toBe(2);
    expect(r.ownerOfStream('3')).toBe(3);
    expect(r.ownerOfStream('user_3')).toBe(3);
    expect(r.ownerOfStream('stream-peer_c-video')).toBe(3);
    expect(r.ownerOfStream('unknown')).toBeUndefined();
  });

  it('never removes the user themself on user-left', () => {
    const r = roster();
    r.applyLeft(1);
    expect(r.self.userId).toBe(1);
  });
});
