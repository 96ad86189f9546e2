// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { Roster } from '../src/ui/room/roster';
import { VideoGrid } from '../src/ui/room/videoGrid';

function setup() {
  const roster = new Roster(1, 'ann', 'host', 50);
  roster.applyRoomInfo([{ user_id: 2, username: 'bob' }]);
  const grid = new VideoGrid();
  grid.update(roster.list());
  return { roster, grid, tile: (id: number) => grid.element.querySelector(`[data-user-id="${id}"]`)! };
}

describe('VideoGrid', () => {
  it('has a tile per person, self first and marked', () => {
    const { grid } = setup();
    const names = [...grid.element.querySelectorAll('[data-testid=tile-name]')].map((n) => n.textContent);
    expect(names).toEqual(['ann (you)', 'bob']);
    expect(grid.element.querySelector('[data-testid=local-tile]')?.getAttribute('data-user-id')).toBe('1');
  });

  it('shows mute, camera and presenting badges and the active speaker', () => {
    const { roster, grid, tile } = setup();
    roster.applyMediaControl({ action: 'mute', media_type: 'audio', user_id: 2 });
    roster.applyMediaControl({ action: 'video_off', media_type: 'video', user_id: 2 });
    roster.setSharing(2, true);
    grid.update(roster.list());
    grid.setActiveSpeaker(2);
    const badges = [...tile(2).querySelectorAll('.badge')].map((b) => b.textContent);
    expect(badges).toEqual(['Muted', 'Camera off', 'Presenting']);
    expect(tile(2).classList.contains('speaking')).toBe(true);
    expect(tile(2).classList.contains('presenting')).toBe(true);
    expect(tile(1).classList.contains('speaking')).toBe(false);
  });

  it('removes the tile of someone who left', () => {
    const { roster, grid } = setup();
    roster.applyLeft(2);
    grid.update(roster.list());
    expect(grid.element.querySelectorAll('figure')).toHaveLength(1);
  });
});
