using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text;
using WeCompany.Media.Stun;

namespace WeCompany.Media.Ice;

/// <summary>What <see cref="IceLiteAgent.HandleStun"/> did with a datagram.</summary>
public enum IceCheckOutcome
{
    /// <summary>Nothing to send (not a request, malformed, unknown ufrag, or no fingerprint).</summary>
    Ignored,

    /// <summary>A Binding success response was written: send it to the source address.</summary>
    SuccessResponse,

    /// <summary>A 401 error response was written (the integrity did not match): send it to the source address.</summary>
    ErrorResponse,
}

/// <summary>The result of one STUN datagram fed to the agent.</summary>
/// <param name="Outcome">Whether a response was written.</param>
/// <param name="Validation">Why the request was or was not accepted.</param>
/// <param name="ResponseLength">Bytes of the response written into the caller's buffer (0 when none).</param>
/// <param name="Session">The session the username named, when one did.</param>
/// <param name="Nominated">The request carried USE-CANDIDATE and its address is now selected.</param>
/// <param name="NewAddress">The source address passed a check for the first time.</param>
public readonly record struct IceCheckResult(
    IceCheckOutcome Outcome,
    StunValidationResult Validation,
    int ResponseLength,
    IceSession? Session,
    bool Nominated,
    bool NewAddress);

/// <summary>
/// An ICE-lite agent (RFC 8445 §2.5) that owns no socket. The owner feeds it every datagram that
/// looks like STUN with its source address; the agent answers valid Binding requests into the
/// caller's buffer, remembers validated addresses, follows nomination (USE-CANDIDATE) and consent
/// (RFC 7675), and maps source addresses back to sessions for DTLS, RTP and RTCP.
/// </summary>
/// <remarks>
/// All methods may be called concurrently (several receive loops, a sweeper timer, signaling threads).
/// A wrong password gets a 401 Unauthorized error response (RFC 5389 §10.1.2); an unknown ufrag,
/// a missing FINGERPRINT or a malformed message gets nothing, so strangers learn nothing and cannot
/// use the port as an amplifier.
/// </remarks>
public sealed class IceLiteAgent
{
    /// <summary>RFC 7675 §5.1: consent expires 30 seconds after the last valid check.</summary>
    public static readonly TimeSpan DefaultConsentTimeout = TimeSpan.FromSeconds(30);

    private const int MaxUfragLength = 256;
    private static readonly byte[] UnauthorizedReason = "Unauthorized"u8.ToArray();

    private readonly ConcurrentDictionary<string, IceSession> _byUfrag = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IceSession>.AlternateLookup<ReadOnlySpan<char>> _byUfragSpan;
    private readonly ConcurrentDictionary<SocketAddress, IceSession> _byAddress = new();
    private readonly TimeProvider _time;

    /// <summary>Creates an agent.</summary>
    /// <param name="timeProvider">Clock for consent; the system clock when null.</param>
    /// <param name="consentTimeout">How long a session lives without a valid check; 30 s when null.</param>
    public IceLiteAgent(TimeProvider? timeProvider = null, TimeSpan? consentTimeout = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        ConsentTimeout = consentTimeout ?? DefaultConsentTimeout;
        _byUfragSpan = _byUfrag.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>How long a session lives without a valid check.</summary>
    public TimeSpan ConsentTimeout { get; }

    /// <summary>Sessions currently registered.</summary>
    public int SessionCount => _byUfrag.Count;

    /// <summary>Creates a session with freshly generated local credentials and registers it.</summary>
    public IceSession CreateSession(string? remoteUfrag = null, string? remotePassword = null)
    {
        while (true)
        {
            var session = new IceSession(IceCredentials.Generate(), remoteUfrag, remotePassword, _time.GetUtcNow());
            // 48 random bits make a collision practically impossible; retry rather than assume.
            if (_byUfrag.TryAdd(session.LocalCredentials.Ufrag, session))
            {
                return session;
            }
        }
    }

    /// <summary>Registers a session with given local credentials; false when the ufrag is taken.</summary>
    public bool TryCreateSession(IceCredentials local, string? remoteUfrag, string? remotePassword, out IceSession session)
    {
        session = new IceSession(local, remoteUfrag, remotePassword, _time.GetUtcNow());
        return _byUfrag.TryAdd(local.Ufrag, session);
    }

    /// <summary>Finds a session by our local ufrag.</summary>
    public bool TryGetSessionByUfrag(string localUfrag, [NotNullWhen(true)] out IceSession? session) =>
        _byUfrag.TryGetValue(localUfrag, out session);

    /// <summary>
    /// Finds the session whose peer proved itself from <paramref name="remote"/>: use it for every
    /// DTLS, RTP and RTCP datagram. No allocation.
    /// </summary>
    public bool TryGetSession(SocketAddress remote, [NotNullWhen(true)] out IceSession? session) =>
        _byAddress.TryGetValue(remote, out session);

    /// <summary>Unregisters a session (peer left); its addresses stop mapping to it.</summary>
    public void Remove(IceSession session)
    {
        session.Expire();
        _byUfrag.TryRemove(new KeyValuePair<string, IceSession>(session.LocalCredentials.Ufrag, session));
        foreach (var address in session.GetValidatedAddresses())
        {
            _byAddress.TryRemove(new KeyValuePair<SocketAddress, IceSession>(address, session));
        }
    }

    /// <summary>
    /// Expires every session with no valid check for <see cref="ConsentTimeout"/> before
    /// <paramref name="now"/> and removes it; expired sessions are added to <paramref name="expired"/>.
    /// </summary>
    /// <returns>How many sessions expired.</returns>
    public int Sweep(DateTimeOffset now, ICollection<IceSession>? expired = null)
    {
        var count = 0;
        foreach (var pair in _byUfrag)
        {
            var session = pair.Value;
            // RFC 7675 §5.1: without a successful consent check for 30 s, stop sending.
            if (now - session.LastConsent >= ConsentTimeout)
            {
                Remove(session);
                expired?.Add(session);
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Handles one datagram that <see cref="PacketClassifier"/> called STUN. When the result says so,
    /// send <c>response[..ResponseLength]</c> to <paramref name="remote"/> (RFC 8445 §7.3: reply to the
    /// source address, never to the candidates in the SDP).
    /// </summary>
    /// <param name="datagram">The received bytes.</param>
    /// <param name="remote">The source address (may be the receive loop's reused instance; it is copied when kept).</param>
    /// <param name="response">Where to write the response; 1,500 bytes is always enough.</param>
    public IceCheckResult HandleStun(ReadOnlySpan<byte> datagram, SocketAddress remote, Span<byte> response)
    {
        if (!StunMessage.TryParse(datagram, out var message))
        {
            return Ignored(StunValidationResult.Malformed, null);
        }

        // Indications (keep-alives) and responses need no answer from a lite agent.
        if (message.MessageType != (ushort)StunMessageType.BindingRequest)
        {
            return Ignored(StunValidationResult.Ok, null);
        }

        // RFC 8445 §7.2.2: ICE requests carry FINGERPRINT.
        if (!message.HasFingerprint)
        {
            return Ignored(StunValidationResult.NoFingerprint, null);
        }

        if (!message.VerifyFingerprint() || !message.HasUsername)
        {
            return Ignored(StunValidationResult.Malformed, null);
        }

        var session = FindSession(message.Username);
        if (session is null || session.State == IceSessionState.Expired)
        {
            return Ignored(StunValidationResult.UnknownUser, null);
        }

        if (!session.VerifyIntegrity(message))
        {
            // RFC 5389 §10.1.2: integrity failure → 401, without MESSAGE-INTEGRITY (we cannot sign for them).
            var error = new StunWriter(response, StunMessageType.BindingErrorResponse, message.TransactionId);
            error.AddErrorCode(401, UnauthorizedReason);
            error.AddFingerprint();
            return new IceCheckResult(IceCheckOutcome.ErrorResponse, StunValidationResult.BadIntegrity, error.Length, session, false, false);
        }

        var useCandidate = message.HasUseCandidate;
        var added = session.RecordValidCheck(remote, useCandidate, _time.GetUtcNow());
        if (session.State == IceSessionState.Expired)
        {
            return Ignored(StunValidationResult.UnknownUser, session);
        }

        if (added is not null)
        {
            // The latest valid check wins an address (a port reused by another peer after NAT rebinding).
            _byAddress[added] = session;
            // Remove() may have run since the state check above: never leave an expired session mapped.
            if (session.State == IceSessionState.Expired)
            {
                _byAddress.TryRemove(new KeyValuePair<SocketAddress, IceSession>(added, session));
                return Ignored(StunValidationResult.UnknownUser, session);
            }
        }

        // RFC 8445 §7.3.1.4: success response with XOR-MAPPED-ADDRESS of the source, signed with our password.
        var writer = new StunWriter(response, StunMessageType.BindingSuccessResponse, message.TransactionId);
        writer.AddXorMappedAddress(remote);
        if (!session.TrySign(ref writer))
        {
            return Ignored(StunValidationResult.UnknownUser, session);
        }

        writer.AddFingerprint();
        return new IceCheckResult(IceCheckOutcome.SuccessResponse, StunValidationResult.Ok, writer.Length, session, useCandidate, added is not null);
    }

    // RFC 8445 §7.3: USERNAME is "ourUfrag:theirUfrag"; the part before the colon selects the session.
    private IceSession? FindSession(ReadOnlySpan<byte> username)
    {
        var colon = username.IndexOf((byte)':');
        if (colon <= 0 || colon > MaxUfragLength)
        {
            return null;
        }

        Span<char> local = stackalloc char[MaxUfragLength];
        if (!Encoding.ASCII.TryGetChars(username[..colon], local, out var written)
            || !_byUfragSpan.TryGetValue(local[..written], out var session))
        {
            return null;
        }

        var remoteUfrag = session.RemoteUfrag;
        if (remoteUfrag is not null)
        {
            Span<char> theirs = stackalloc char[MaxUfragLength];
            var rest = username[(colon + 1)..];
            if (rest.Length > MaxUfragLength
                || !Encoding.ASCII.TryGetChars(rest, theirs, out var theirLength)
                || !theirs[..theirLength].SequenceEqual(remoteUfrag))
            {
                return null;
            }
        }

        return session;
    }

    private static IceCheckResult Ignored(StunValidationResult validation, IceSession? session) =>
        new(IceCheckOutcome.Ignored, validation, 0, session, false, false);
}
