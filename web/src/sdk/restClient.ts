import { ApiError, unwrapResponse } from './apiError';
import type { StoredSession, TokenStore } from './tokenStore';
import type {
  AuthResult, ChatRecord, CreateMeetingRequest, CreatedMeeting, JoinResult, Meeting, MeetingPage,
  MeetingStatus, Participant, Profile, RegisterRequest, Role, TokenPair,
} from './types';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RestClientOptions {
  /** Origin of the server, '' for the page's own origin. */
  baseUrl?: string;
  store: TokenStore;
  fetch?: FetchLike;
  /** Called when the session ends without the user asking (refresh refused). */
  onSignedOut?: () => void;
  now?: () => number;
}

interface RequestOptions {
  body?: unknown;
  /** False for the sign-in calls, which must not send or refresh a token. */
  auth?: boolean;
}

/**
 * The REST API of communication-design.zh.md §API接口设计. Every answer's envelope is unwrapped to its
 * `data`; failures throw {@link ApiError}. A 401 on an authenticated call triggers exactly one refresh
 * (shared by concurrent callers, since a refresh token is spent on use) and one retry.
 */
export class RestClient {
  private readonly baseUrl: string;
  private readonly store: TokenStore;
  private readonly fetchImpl: FetchLike;
  private readonly onSignedOut: (() => void) | undefined;
  private readonly now: () => number;
  private refreshing: Promise<boolean> | null = null;

  constructor(options: RestClientOptions) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/$/, '');
    this.store = options.store;
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.onSignedOut = options.onSignedOut;
    this.now = options.now ?? Date.now;
  }

  /** The signed-in session, or null. */
  get session(): StoredSession | null {
    return this.store.load();
  }

  // ---- accounts

  async register(request: RegisterRequest): Promise<AuthResult> {
    const result = await this.request<AuthResult>('POST', '/api/v1/auth/register', { body: request, auth: false });
    this.keep(result);
    return result;
  }

  async login(username: string, password: string): Promise<AuthResult> {
    const result = await this.request<AuthResult>('POST', '/api/v1/auth/login', { body: { username, password }, auth: false });
    this.keep(result);
    return result;
  }

  /** Revokes the refresh token on the server (best effort) and forgets the session locally. */
  async logout(): Promise<void> {
    const session = this.store.load();
    this.store.save(null);
    if (session === null) return;
    try {
      await this.send('POST', '/api/v1/auth/logout', { refresh_token: session.refresh_token }, session.token);
    } catch {
      // Signing out locally must succeed even when the server is unreachable.
    }
  }

  /** Exchanges the refresh token for a new pair; false (and signed out) when the server refuses it. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  getProfile(): Promise<Profile> {
    return this.request('GET', '/api/v1/users/profile');
  }

  updateProfile(changes: Partial<Pick<Profile, 'email' | 'full_name' | 'avatar_url'>>): Promise<Profile> {
    return this.request('PUT', '/api/v1/users/profile', { body: changes });
  }

  // ---- meetings

  createMeeting(request: CreateMeetingRequest): Promise<CreatedMeeting> {
    return this.request('POST', '/api/v1/meetings', { body: request });
  }

  listMeetings(status: MeetingStatus, page = 1, pageSize = 20): Promise<MeetingPage> {
    const query = new URLSearchParams({ status, page: String(page), page_size: String(pageSize) });
    return this.request('GET', `/api/v1/meetings?${query.toString()}`);
  }

  getMeeting(meetingId: number): Promise<Meeting> {
    return this.request('GET', `/api/v1/meetings/${meetingId}`);
  }

  getMeetingByCode(code: string): Promise<Meeting> {
    return this.request('GET', `/api/v1/meetings/code/${encodeURIComponent(code)}`);
  }

  joinMeeting(meetingId: number, password?: string): Promise<JoinResult> {
    return this.request('POST', `/api/v1/meetings/${meetingId}/join`, { body: password === undefined ? {} : { password } });
  }

  leaveMeeting(meetingId: number): Promise<void> {
    return this.request('POST', `/api/v1/meetings/${meetingId}/leave`);
  }

  endMeeting(meetingId: number): Promise<void> {
    return this.request('POST', `/api/v1/meetings/${meetingId}/end`);
  }

  /** docs/protocol/rest.md: the answer is `{meeting_id, participants: [...]}`; this returns the list. */
  async listParticipants(meetingId: number): Promise<Participant[]> {
    const answer = await this.request<{ meeting_id: number; participants: Participant[] }>('GET', `/api/v1/meetings/${meetingId}/participants`);
    return answer.participants;
  }

  kick(meetingId: number, participantId: number): Promise<void> {
    return this.request('POST', `/api/v1/meetings/${meetingId}/participants/${participantId}/kick`);
  }

  mute(meetingId: number, participantId: number): Promise<void> {
    return this.request('POST', `/api/v1/meetings/${meetingId}/participants/${participantId}/mute`);
  }

  setRole(meetingId: number, participantId: number, role: Role): Promise<void> {
    return this.request('POST', `/api/v1/meetings/${meetingId}/participants/${participantId}/role`, { body: { role } });
  }

  muteAll(meetingId: number): Promise<void> {
    return this.request('POST', `/api/v1/meetings/${meetingId}/mute-all`);
  }

  async chatHistory(meetingId: number, afterSeq = 0, limit = 100): Promise<ChatRecord[]> {
    const query = new URLSearchParams({ after_seq: String(afterSeq), limit: String(limit) });
    const data = await this.request<{ messages?: ChatRecord[] }>('GET', `/api/v1/meetings/${meetingId}/messages?${query.toString()}`);
    return data?.messages ?? [];
  }

  // ---- plumbing

  /** Sends one request; on a 401 refreshes once and retries once. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    const token = auth ? this.store.load()?.token : undefined;
    try {
      return await this.send<T>(method, path, options.body, token);
    } catch (error) {
      if (!auth || token === undefined || !(error instanceof ApiError) || !error.isAuthFailure) throw error;
      if (!(await this.refresh())) throw error;
      return this.send<T>(method, path, options.body, this.store.load()?.token);
    }
  }

  private async send<T>(method: string, path: string, body: unknown, token: string | undefined): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, init);
    } catch (cause) {
      throw new ApiError(0, cause instanceof Error ? cause.message : 'Network error');
    }
    const text = await response.text();
    return unwrapResponse<T>(response.status, text, response.headers.get('Retry-After'));
  }

  private async doRefresh(): Promise<boolean> {
    const session = this.store.load();
    if (session === null) return false;
    try {
      const pair = await this.send<TokenPair>('POST', '/api/v1/auth/refresh', { refresh_token: session.refresh_token }, undefined);
      this.store.save({ ...session, token: pair.token, refresh_token: pair.refresh_token, expires_at: this.now() + pair.expires_in * 1000 });
      return true;
    } catch (error) {
      // A network failure is not a refusal: keep the session so the next attempt can refresh.
      if (error instanceof ApiError && error.status !== 0 && error.status < 500) {
        this.store.save(null);
        this.onSignedOut?.();
      }
      return false;
    }
  }

  private keep(result: AuthResult): void {
    this.store.save({
      user_id: result.user_id,
      username: result.username,
      email: result.email,
      token: result.token,
      refresh_token: result.refresh_token,
      expires_at: this.now() + result.expires_in * 1000,
    });
  }
}
