import type { Role } from '../../sdk';
import { h } from '../dom';
import { canModerate, displayName, type Member } from './roster';

export interface ModerationActions {
  mute(member: Member): void;
  kick(member: Member): void;
  setRole(member: Member, role: Role): void;
  muteAll(): void;
}

const roles: { value: Role; label: string }[] = [
  { value: 'co-host', label: 'Co-host' },
  { value: 'participant', label: 'Participant' },
  { value: 'audience', label: 'Audience' },
];

/**
 * The participants list. Hosts see mute, role and remove controls for everyone else; co-hosts see mute
 * (权限控制: co-hosts mute participants, only the host removes people or changes roles).
 */
export class ParticipantsPanel {
  readonly list = h('ul', { id: 'participants-list', testid: 'participants-list', class: 'participants' });
  readonly muteAllButton: HTMLButtonElement;
  readonly count = h('span', { id: 'participant-count', testid: 'participant-count' });

  constructor(private readonly actions: ModerationActions) {
    this.muteAllButton = h('button', { type: 'button', id: 'mute-all', testid: 'mute-all', hidden: true, onclick: () => actions.muteAll() }, 'Mute everyone');
  }

  render(members: Member[], selfRole: Role | undefined): void {
    this.count.textContent = String(members.length);
    this.muteAllButton.hidden = !canModerate(selfRole);
    this.list.replaceChildren(...members.map((member) => this.row(member, selfRole)));
  }

  private row(member: Member, selfRole: Role | undefined): HTMLLIElement {
    const name = displayName(member);
    const state = [
      member.role === 'host' ? 'host' : member.role === 'co-host' ? 'co-host' : member.role === 'audience' ? 'audience' : null,
      member.audioMuted ? 'muted' : null,
      member.videoMuted ? 'camera off' : null,
      member.sharing ? 'presenting' : null,
    ].filter((s) => s !== null).join(', ');
    const item = h('li', { testid: 'participant', 'data-user-id': member.userId, class: 'participant' },
      h('span', { class: 'name' }, member.isSelf ? `${name} (you)` : name),
      state === '' ? null : h('span', { class: 'state', testid: 'participant-state' }, state),
    );
    const moderator = canModerate(selfRole);
    if (member.isSelf || !moderator || member.participantId === undefined || member.role === 'host') return item;

    const controls = h('div', { class: 'moderation', role: 'group', 'aria-label': `Controls for ${name}` });
    if (!member.audioMuted) {
      controls.append(h('button', { type: 'button', testid: 'participant-mute', 'aria-label': `Mute ${name}`, onclick: () => this.actions.mute(member) }, 'Mute'));
    }
    if (selfRole === 'host') {
      const select = h('select', { testid: 'participant-role', 'aria-label': `Role of ${name}` },
        ...roles.map((r) => h('option', { value: r.value, selected: r.value === member.role }, r.label)));
      select.addEventListener('change', () => this.actions.setRole(member, select.value as Role));
      controls.append(select,
        h('button', { type: 'button', class: 'danger', testid: 'participant-kick', 'aria-label': `Remove ${name} from the meeting`, onclick: () => this.actions.kick(member) }, 'Remove'));
    }
    item.append(controls);
    return item;
  }
}
