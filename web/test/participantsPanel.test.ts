// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { Role } from '../src/sdk';
import { ParticipantsPanel } from '../src/ui/room/participantsPanel';
import { Roster, type Member } from '../src/ui/room/roster';

function room(selfRole: Role) {
  const roster = new Roster(1, 'ann', selfRole, 50);
  roster.applyParticipants([
    { participant_id: 50, user_id: 1, username: 'ann', role: selfRole, joined_at: '', audio_muted: false, video_muted: false },
    { participant_id: 51, user_id: 2, username: 'bob', role: 'participant', joined_at: '', audio_muted: false, video_muted: false },
    { participant_id: 52, user_id: 3, username: 'cat', role: 'participant', joined_at: '', audio_muted: true, video_muted: true },
  ]);
  const calls: string[] = [];
  const panel = new ParticipantsPanel({
    mute: (m: Member) => calls.push(`mute:${m.participantId}`),
    kick: (m: Member) => calls.push(`kick:${m.participantId}`),
    setRole: (m: Member, role: Role) => calls.push(`role:${m.participantId}:${role}`),
    muteAll: () => calls.push('mute-all'),
  });
  panel.render(roster.list(), selfRole);
  const row = (userId: number) => panel.list.querySelector(`[data-user-id="${userId}"]`)!;
  return { panel, calls, row };
}

describe('ParticipantsPanel', () => {
  it('gives the host mute, role and remove for others, and mute-all', () => {
    const { panel, calls, row } = room('host');
    expect(panel.muteAllButton.hidden).toBe(false);
    expect(row(1).querySelector('button')).toBeNull();
    (row(2).querySelector('[data-testid=participant-mute]') as HTMLButtonElement).click();
    (row(2).querySelector('[data-testid=participant-kick]') as HTMLButtonElement).click();
    const select = row(2).querySelector('[data-testid=participant-role]') as HTMLSelectElement;
    select.value = 'co-host';
    select.dispatchEvent(new Event('change'));
    panel.muteAllButton.click();
    expect(calls).toEqual(['mute:51', 'kick:51', 'role:51:co-host', 'mute-all']);
  });

  it('offers no mute for someone already muted and shows their state', () => {
    const { row } = room('host');
    expect(row(3).querySelector('[data-testid=participant-mute]')).toBeNull();
    expect(row(3).querySelector('[data-testid=participant-state]')?.textContent).toBe('muted, camera off');
  });

  it('gives a co-host mute only', () => {
    const { panel, row } = room('co-host');
    expect(panel.muteAllButton.hidden).toBe(false);
    expect(row(2).querySelector('[data-testid=participant-mute]')).not.toBeNull();
    expect(row(2).querySelector('[data-testid=participant-kick]')).toBeNull();
    expect(row(2).querySelector('[data-testid=participant-role]')).toBeNull();
  });

  it('gives a participant no moderation at all', () => {
    const { panel } = room('participant');
    expect(panel.muteAllButton.hidden).toBe(true);
    expect(panel.list.querySelectorAll('button, select')).toHaveLength(0);
    expect(panel.count.textContent).toBe('3');
  });
});
