// Shapes of the REST contract (communication-design.zh.md §API接口设计). Field names stay snake_case,
// exactly as on the wire, so nothing is renamed between the server and the UI.

export type Role = 'host' | 'co-host' | 'participant' | 'audience';
export type MeetingStatus = 'scheduled' | 'active' | 'ended';

export interface AuthResult {
  user_id: number;
  username: string;
  email: string;
  token: string;
  refresh_token: string;
  expires_in: number;
}

export interface TokenPair {
  token: string;
  refresh_token: string;
  expires_in: number;
}

export interface RegisterRequest {
  username: string;
  email: string;
  password: string;
  full_name: string;
}

export interface Profile {
  user_id: number;
  username: string;
  email: string;
  full_name: string;
  avatar_url: string | null;
  created_at: string;
}

export interface MeetingSettings {
  enable_recording: boolean;
  enable_ai_analysis: boolean;
  require_password: boolean;
  /** Ours: participants need the host's or a co-host's grant (screen-share action "grant") to share. */
  screen_share_requires_grant?: boolean;
  password?: string;
}

export interface CreateMeetingRequest {
  title: string;
  description: string;
  /** ISO 8601 in UTC, e.g. 2025-10-01T14:00:00Z. */
  start_time: string;
  /** Minutes. */
  duration: number;
  max_participants: number;
  is_public: boolean;
  settings: MeetingSettings;
}

export interface CreatedMeeting {
  meeting_id: number;
  title: string;
  meeting_code: string;
  join_url: string;
  host_id: number;
  status: MeetingStatus;
  created_at: string;
}

export interface MeetingSummary {
  meeting_id: number;
  title: string;
  host_name: string;
  start_time: string;
  status: MeetingStatus;
  participant_count: number;
  meeting_code?: string;
  join_url?: string;
  host_id?: number;
  duration?: number;
}

export interface Meeting extends MeetingSummary {
  description?: string;
  max_participants?: number;
  is_public?: boolean;
  settings?: Partial<MeetingSettings>;
}

export interface MeetingPage {
  meetings: MeetingSummary[];
  total: number;
  page: number;
  page_size: number;
  total_pages?: number;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface JoinResult {
  meeting_id: number;
  participant_id: number;
  role: Role;
  websocket_url: string;
  ice_servers: IceServer[];
  session_token?: string;
}

export interface Participant {
  participant_id: number;
  user_id: number;
  username: string;
  full_name?: string;
  role: Role;
  joined_at: string;
  audio_muted: boolean;
  video_muted: boolean;
}

export interface ChatRecord {
  seq: number;
  user_id: number;
  username: string;
  content: string;
  to_user_id?: number | null;
  created_at: string;
}
