import { h } from '../dom';
import { displayName, type Member } from './roster';

interface Tile {
  figure: HTMLElement;
  video: HTMLVideoElement;
  name: HTMLElement;
  badges: HTMLElement;
  placeholder: HTMLElement;
  stream: MediaStream | null;
}

/**
 * The video grid: one tile per person (self first, muted, mirrored), with name, mute and camera badges,
 * the active-speaker highlight and a larger tile for whoever shares a screen. Streams whose owner is not
 * known yet get a tile of their own until the roster can place them.
 */
export class VideoGrid {
  readonly element = h('section', { id: 'video-grid', testid: 'video-grid', class: 'video-grid', 'aria-label': 'Videos' });
  private readonly tiles = new Map<string, Tile>();
  private activeSpeaker: number | undefined;

  setStream(key: string, stream: MediaStream | null): void {
    const tile = this.ensureTile(key);
    if (tile.stream === stream) return;
    tile.stream = stream;
    tile.video.srcObject = stream;
    if (stream !== null) void tile.video.play().catch(() => undefined);
  }

  removeStream(key: string, stream: MediaStream): void {
    const tile = this.tiles.get(key);
    if (tile !== undefined && tile.stream === stream) {
      tile.stream = null;
      tile.video.srcObject = null;
      if (key.startsWith('s:')) this.removeTile(key);
    }
  }

  setActiveSpeaker(userId: number | undefined): void {
    this.activeSpeaker = userId;
    for (const [key, tile] of this.tiles) tile.figure.classList.toggle('speaking', key === `u:${userId}`);
  }

  /** Re-renders names and badges from the roster and removes tiles of people who left. */
  update(members: Member[]): void {
    const keep = new Set<string>();
    for (const member of members) {
      const key = `u:${member.userId}`;
      keep.add(key);
      const tile = this.ensureTile(key, member.isSelf);
      tile.figure.dataset['userId'] = String(member.userId);
      tile.name.textContent = member.isSelf ? `${displayName(member)} (you)` : displayName(member);
      tile.placeholder.textContent = initials(displayName(member));
      const badges: string[] = [];
      if (member.role === 'host') badges.push('Host');
      if (member.role === 'co-host') badges.push('Co-host');
      if (member.audioMuted) badges.push('Muted');
      if (member.videoMuted) badges.push('Camera off');
      if (member.sharing) badges.push('Presenting');
      tile.badges.replaceChildren(...badges.map((b) => h('span', { class: 'badge', testid: `badge-${b.toLowerCase().replace(/\s/g, '-')}` }, b)));
      tile.figure.classList.toggle('video-off', member.videoMuted || tile.stream === null || tile.stream.getVideoTracks().length === 0);
      tile.figure.classList.toggle('audio-off', member.audioMuted);
      tile.figure.classList.toggle('presenting', member.sharing);
      tile.figure.classList.toggle('speaking', member.userId === this.activeSpeaker);
    }
    for (const key of [...this.tiles.keys()]) if (key.startsWith('u:') && !keep.has(key)) this.removeTile(key);
    this.element.dataset['count'] = String(this.tiles.size);
  }

  private ensureTile(key: string, isSelf = false): Tile {
    const existing = this.tiles.get(key);
    if (existing !== undefined) return existing;
    const video = h('video', { autoplay: true, playsinline: true, muted: isSelf, testid: isSelf ? 'local-video' : 'remote-video' });
    if (isSelf) video.id = 'local-video';
    const name = h('span', { class: 'name', testid: 'tile-name' }, key.startsWith('s:') ? 'Participant' : '');
    const badges = h('span', { class: 'badges' });
    const placeholder = h('div', { class: 'placeholder', 'aria-hidden': 'true' });
    const figure = h('figure', { class: isSelf ? 'tile self' : 'tile', testid: isSelf ? 'local-tile' : 'video-tile' },
      video, placeholder, h('figcaption', {}, name, badges));
    const tile: Tile = { figure, video, name, badges, placeholder, stream: null };
    this.tiles.set(key, tile);
    if (isSelf) this.element.prepend(figure);
    else this.element.append(figure);
    return tile;
  }

  private removeTile(key: string): void {
    const tile = this.tiles.get(key);
    if (tile === undefined) return;
    tile.video.srcObject = null;
    tile.figure.remove();
    this.tiles.delete(key);
  }
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter((p) => p !== '');
  const letters = parts.length > 1 ? [...(parts[0] ?? '')][0]! + [...(parts[parts.length - 1] ?? '')][0]! : [...name].slice(0, 2).join('');
  return letters.toUpperCase();
}
