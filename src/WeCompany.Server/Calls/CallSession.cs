using System.Security.Cryptography;
using System.Text;

namespace WeCompany.Server.Calls;

/// <summary>The states of a <see cref="CallSession"/>: Ringing → Accepted → Ended, or Ringing → Ended.</summary>
public enum CallState
{
    Ringing,
    Accepted,
    Ended,
}

/// <summary>
/// One 1:1 call. State changes happen under <see cref="VideoCallServer"/>'s lock; the media path reads
/// <see cref="State"/> without it (a volatile read) because a frame racing a hang-up may go either way.
/// </summary>
public sealed class CallSession
{
    private volatile CallState _state = CallState.Ringing;

    internal CallSession(long caller, long callee, bool video, DateTimeOffset createdAt)
    {
        // 96 random bits, base64url: unguessable, so a call id cannot be used to inject media into others' calls.
        Id = Base64Url(RandomNumberGenerator.GetBytes(12));
        IdUtf8 = Encoding.ASCII.GetBytes(Id);
        MediaPrefix = [(byte)IdUtf8.Length, .. IdUtf8];
        Caller = caller;
        Callee = callee;
        Video = video;
        CreatedAt = createdAt;
    }

    public string Id { get; }

    public long Caller { get; }

    public long Callee { get; }

    public bool Video { get; }

    public DateTimeOffset CreatedAt { get; }

    public CallState State
    {
        get => _state;
        internal set => _state = value;
    }

    internal byte[] IdUtf8 { get; }

    /// <summary>The MEDIA_DATA prefix <c>[u8 callIdLen][callId]</c>, built once.</summary>
    internal byte[] MediaPrefix { get; }

    internal ITimer? RingTimer { get; set; }

    public bool Involves(long userId) => userId == Caller || userId == Callee;

    public long Other(long userId) => userId == Caller ? Callee : Caller;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
