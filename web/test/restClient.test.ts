import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/sdk/apiError';
import { RestClient } from '../src/sdk/restClient';
import { MemoryTokenStore, type StoredSession } from '../src/sdk/tokenStore';

interface Call { url: string; method: string; auth: string | null; body: unknown }

function envelope(status: number, data: unknown): Response {
  return new Response(JSON.stringify({ code: status, message: 'success', data, timestamp: new Date().toISOString() }), { status });
}

function failure(status: number, businessCode: number, message: string): Response {
  return new Response(JSON.stringify({ code: status, message, error: { type: 'Error', code: businessCode, details: '' } }), { status });
}

/** A fake server: accepts only the current access token, rotates refresh tokens, spends each once. */
function fakeServer(initialToken: string, initialRefresh: string) {
  const calls: Call[] = [];
  let validToken = initialToken;
  let validRefresh = initialRefresh;
  let generation = 0;
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const headers = init.headers as Record<string, string>;
    const body = init.body === undefined ? undefined : JSON.parse(init.body as string);
    calls.push({ url, method: init.method ?? 'GET', auth: headers['Authorization'] ?? null, body });
    await Promise.resolve();
    if (url.endsWith('/api/v1/auth/refresh')) {
      if (body.refresh_token !== validRefresh) return failure(401, 10004, 'Refresh token invalid');
      generation++;
      validToken = `access-${generation}`;
      validRefresh = `refresh-${generation}`;
      return envelope(200, { token: validToken, refresh_token: validRefresh, expires_in: 3600 });
    }
    if (headers['Authorization'] !== `Bearer ${validToken}`) return failure(401, 10005, 'Token expired');
    return envelope(200, { user_id: 1, username: 'user123', email: 'u@example.com', full_name: 'Zhang San', avatar_url: null, created_at: '2025-01-01T00:00:00Z' });
  };
  return { calls, fetch, expire: () => { validToken = 'something-else'; } };
}

function session(token: string, refresh: string): StoredSession {
  return { user_id: 1, username: 'user123', email: 'u@example.com', token, refresh_token: refresh, expires_at: 0 };
}

describe('RestClient', () => {
  it('sends the bearer token and unwraps the data', async () => {
    const server = fakeServer('access-0', 'refresh-0');
    const client = new RestClient({ store: new MemoryTokenStore(session('access-0', 'refresh-0')), fetch: server.fetch });
    const profile = await client.getProfile();
    expect(profile.full_name).toBe('Zhang San');
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]?.auth).toBe('Bearer access-0');
  });

  it('lists participants from the {meeting_id, participants} answer of the server', async () => {
    const participant = { participant_id: 5, user_id: 2, username: 'bob', role: 'participant', joined_at: '2025-10-01T10:00:00Z', audio_muted: false, video_muted: false };
    const fetch = async (): Promise<Response> => envelope(200, { meeting_id: 100, participants: [participant] });
    const client = new RestClient({ store: new MemoryTokenStore(session('access-0', 'refresh-0')), fetch });
    expect(await client.listParticipants(100)).toEqual([participant]);
  });

  it('refreshes once on a 401 and retries the request with the new token', async () => {
    const server = fakeServer('access-0', 'refresh-0');
    const store = new MemoryTokenStore(session('stale', 'refresh-0'));
    const client = new RestClient({ store, fetch: server.fetch, now: () => 1_000 });
    const profile = await client.getProfile();
    expect(profile.username).toBe('user123');
    expect(server.calls.map((c) => c.url)).toEqual(['/api/v1/users/profile', '/api/v1/auth/refresh', '/api/v1/users/profile']);
    expect(server.calls[2]?.auth).toBe('Bearer access-1');
    expect(store.load()?.refresh_token).toBe('refresh-1');
    expect(store.load()?.expires_at).toBe(1_000 + 3_600_000);
  });

  it('shares one refresh between concurrent requests because a refresh token is spent on use', async () => {
    const server = fakeServer('access-0', 'refresh-0');
    const client = new RestClient({ store: new MemoryTokenStore(session('stale', 'refresh-0')), fetch: server.fetch });
    const results = await Promise.all([client.getProfile(), client.getProfile(), client.getProfile()]);
    expect(results.every((p) => p.username === 'user123')).toBe(true);
    expect(server.calls.filter((c) => c.url.endsWith('/auth/refresh'))).toHaveLength(1);
  });

  it('signs out and throws the 401 when the refresh token is refused', async () => {
    const server = fakeServer('access-0', 'refresh-0');
    const store = new MemoryTokenStore(session('stale', 'spent'));
    let signedOut = 0;
    const client = new RestClient({ store, fetch: server.fetch, onSignedOut: () => signedOut++ });
    const error = await client.getProfile().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(store.load()).toBeNull();
    expect(signedOut).toBe(1);
  });

  it('does not refresh a second time when the retried request is still refused', async () => {
    const calls: string[] = [];
    const fetch = async (url: string): Promise<Response> => {
      calls.push(url);
      if (url.endsWith('/auth/refresh')) return envelope(200, { token: 'new', refresh_token: 'r2', expires_in: 60 });
      return failure(401, 10004, 'Token invalid');
    };
    const client = new RestClient({ store: new MemoryTokenStore(session('a', 'r1')), fetch });
    await expect(client.getProfile()).rejects.toMatchObject({ status: 401, businessCode: 10004 });
    expect(calls).toEqual(['/api/v1/users/profile', '/api/v1/auth/refresh', '/api/v1/users/profile']);
  });

  it('does not send a token or refresh on a failed sign-in', async () => {
    const calls: Call[] = [];
    const fetch = async (url: string, init: RequestInit): Promise<Response> => {
      calls.push({ url, method: init.method ?? '', auth: (init.headers as Record<string, string>)['Authorization'] ?? null, body: JSON.parse(init.body as string) });
      return failure(401, 10001, 'Invalid username or password');
    };
    const client = new RestClient({ store: new MemoryTokenStore(session('a', 'r1')), fetch });
    await expect(client.login('user123', 'bad')).rejects.toMatchObject({ businessCode: 10001 });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.auth).toBeNull();
    expect(calls[0]?.body).toEqual({ username: 'user123', password: 'bad' });
  });

  it('stores the session after login and forgets it on logout', async () => {
    const seen: Call[] = [];
    const fetch = async (url: string, init: RequestInit): Promise<Response> => {
      seen.push({ url, method: init.method ?? '', auth: (init.headers as Record<string, string>)['Authorization'] ?? null, body: JSON.parse(init.body as string) });
      if (url.endsWith('/login')) return envelope(200, { user_id: 7, username: 'ann', email: 'a@example.com', token: 't', refresh_token: 'r', expires_in: 86400 });
      return envelope(200, null);
    };
    const store = new MemoryTokenStore();
    const client = new RestClient({ store, fetch, baseUrl: 'http://localhost:8080/' });
    await client.login('ann', 'pw');
    expect(store.load()?.user_id).toBe(7);
    await client.logout();
    expect(store.load()).toBeNull();
    expect(seen[1]).toMatchObject({ url: 'http://localhost:8080/api/v1/auth/logout', auth: 'Bearer t', body: { refresh_token: 'r' } });
  });

  it('reports a network failure as status 0 and keeps the session', async () => {
    const store = new MemoryTokenStore(session('a', 'r'));
    const client = new RestClient({ store, fetch: () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(client.listMeetings('active')).rejects.toMatchObject({ status: 0 });
    expect(store.load()).not.toBeNull();
  });

  it('builds the meeting list query and the join body', async () => {
    const seen: Call[] = [];
    const fetch = async (url: string, init: RequestInit): Promise<Response> => {
      seen.push({ url, method: init.method ?? '', auth: null, body: init.body === undefined ? undefined : JSON.parse(init.body as string) });
      return envelope(200, { meetings: [], total: 0, page: 2, page_size: 10 });
    };
    const client = new RestClient({ store: new MemoryTokenStore(session('a', 'r')), fetch });
    await client.listMeetings('scheduled', 2, 10);
    await client.joinMeeting(100, 'meeting123');
    expect(seen[0]).toMatchObject({ url: '/api/v1/meetings?status=scheduled&page=2&page_size=10', method: 'GET', body: undefined });
    expect(seen[1]).toMatchObject({ url: '/api/v1/meetings/100/join', method: 'POST', body: { password: 'meeting123' } });
  });
});
