import { Emitter, type MediaControlPayload, type Participant, type PresencePayload, type Role, type RoomParticipant } from '../../sdk';

/** One person in the room, merged from signaling (who is connected) and REST (role, participant id). */
export interface Member {
  userId: number;
  username: string;
  fullName: string | undefined;
  role: Role | undefined;
  participantId: number | undefined;
  peerId: string | undefined;
  audioMuted: boolean;
  videoMuted: boolean;
  sharing: boolean;
  isSelf: boolean;
}

/** The people in the room. Emits 'changed' after every update so views can re-render. */
export class Roster extends Emitter<{ changed: void }> {
  private readonly members = new Map<number, Member>();

  constructor(readonly selfUserId: number, selfName: string, selfRole: Role, selfParticipantId: number) {
    super();
    this.members.set(selfUserId, {
      userId: selfUserId, username: selfName, fullName: undefined, role: selfRole, participantId: selfParticipantId,
      peerId: undefined, audioMuted: false, videoMuted: false, sharing: false, isSelf: true,
    });
  }

  get self(): Member {
    return this.members.get(this.selfUserId) as Member;
  }

  get(userId: number): Member | undefined {
    return this.members.get(userId);
  }

  /** Everyone, self first, then by name. */
  list(): Member[] {
    return [...this.members.values()].sort((a, b) => (a.isSelf ? -1 : b.isSelf ? 1 : displayName(a).localeCompare(displayName(b))));
  }

  others(): Member[] {
    return this.list().filter((m) => !m.isSelf);
  }

  /** room-info (14): the participants connected right now; replaces the previous view of who is here. */
  applyRoomInfo(participants: RoomParticipant[]): void {
    const present = new Set<number>([this.selfUserId]);
    for (const p of participants) {
      if (p.is_self === true || p.user_id === this.selfUserId) continue;
      present.add(p.user_id);
      this.upsert(p.user_id, p.username, p.peer_id);
    }
    for (const userId of [...this.members.keys()]) if (!present.has(userId)) this.members.delete(userId);
    this.emit('changed', undefined);
  }

  applyJoined(presence: PresencePayload): void {
    if (presence.user_id === this.selfUserId) return;
    this.upsert(presence.user_id, presence.username ?? `User ${presence.user_id}`, presence.peer_id);
    this.emit('changed', undefined);
  }

  applyLeft(userId: number): void {
    if (userId === this.selfUserId || !this.members.delete(userId)) return;
    this.emit('changed', undefined);
  }

  /** REST participants: roles, participant ids, mute state. People not connected yet are added too. */
  applyParticipants(participants: Participant[]): void {
    for (const p of participants) {
      const member = this.upsert(p.user_id, p.username, undefined);
      member.fullName = p.full_name ?? member.fullName;
      member.role = p.role;
      member.participantId = p.participant_id;
      if (!member.isSelf) {
        member.audioMuted = p.audio_muted;
        member.videoMuted = p.video_muted;
      }
    }
    const listed = new Set(participants.map((p) => p.user_id));
    // The REST list is authoritative about who is still in the meeting.
    if (participants.length > 0) for (const userId of [...this.members.keys()]) if (!listed.has(userId) && userId !== this.selfUserId) this.members.delete(userId);
    this.emit('changed', undefined);
  }

  /** media-control (10) about someone's audio or video. Returns false for actions that are not media state. */
  applyMediaControl(payload: MediaControlPayload): boolean {
    const member = this.members.get(payload.user_id);
    if (member === undefined) return false;
    switch (payload.action) {
      case 'mute': member.audioMuted = true; break;
      case 'unmute': member.audioMuted = false; break;
      case 'video_off': member.videoMuted = true; break;
      case 'video_on': member.videoMuted = false; break;
      default: return false;
    }
    this.emit('changed', undefined);
    return true;
  }

  setSharing(userId: number, sharing: boolean): void {
    const member = this.members.get(userId);
    if (member === undefined) return;
    member.sharing = sharing;
    this.emit('changed', undefined);
  }

  setSelfMedia(audioMuted: boolean, videoMuted: boolean): void {
    this.self.audioMuted = audioMuted;
    this.self.videoMuted = videoMuted;
    this.emit('changed', undefined);
  }

  /** Who publishes an SFU stream: its id is matched against peer ids, then user ids. */
  ownerOfStream(streamId: string): number | undefined {
    for (const member of this.members.values()) if (member.peerId !== undefined && member.peerId === streamId) return member.userId;
    const numeric = /^(?:user[_-]?)?(\d+)$/.exec(streamId);
    if (numeric?.[1] !== undefined && this.members.has(Number(numeric[1]))) return Number(numeric[1]);
    for (const member of this.members.values()) if (member.peerId !== undefined && streamId.includes(member.peerId)) return member.userId;
    return undefined;
  }

  private upsert(userId: number, username: string, peerId: string | undefined): Member {
    let member = this.members.get(userId);
    if (member === undefined) {
      member = {
        userId, username, fullName: undefined, role: undefined, participantId: undefined, peerId,
        audioMuted: false, videoMuted: false, sharing: false, isSelf: userId === this.selfUserId,
      };
      this.members.set(userId, member);
    }
    if (username !== '') member.username = username;
    if (peerId !== undefined) member.peerId = peerId;
    return member;
  }
}

export function displayName(member: Member): string {
  return member.fullName !== undefined && member.fullName !== '' ? member.fullName : member.username;
}

export function canModerate(role: Role | undefined): boolean {
  return role === 'host' || role === 'co-host';
}
