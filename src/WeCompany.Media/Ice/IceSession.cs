using System.Net;
using System.Security.Cryptography;
using System.Text;
using WeCompany.Media.Stun;

namespace WeCompany.Media.Ice;

/// <summary>Where an <see cref="IceSession"/> stands.</summary>
public enum IceSessionState
{
    /// <summary>Created; no valid check has arrived yet.</summary>
    New,

    /// <summary>At least one address passed a check; DTLS may start from it (Chromium starts before nominating).</summary>
    Connected,

    /// <summary>The controlling peer nominated an address with USE-CANDIDATE.</summary>
    Selected,

    /// <summary>Consent lapsed (RFC 7675 §5.1) or the owner removed it; no further check is answered.</summary>
    Expired,
}

/// <summary>
/// One peer's ICE state on the lite agent: our credentials, the peer's, the addresses that passed a
/// connectivity check, the nominated one, and the consent clock.
/// </summary>
/// <remarks>
/// The agent mutates a session under its own lock; readers on other threads see each property as a
/// whole value. <see cref="Tag"/> belongs to the owner (for instance the SFU's peer object).
/// </remarks>
public sealed class IceSession
{
    private readonly Lock _gate = new();
    private readonly List<SocketAddress> _validated = [];
    private volatile SocketAddress? _selected;
    private long _lastConsentTicks;
    private volatile IceSessionState _state;
    private readonly IncrementalHash _hmac;

    internal IceSession(IceCredentials local, string? remoteUfrag, string? remotePassword, DateTimeOffset now)
    {
        LocalCredentials = local;
        // RFC 8445 §7.2.2: short-term credentials; the HMAC key is the password itself. One cached
        // keyed HMAC per session keeps checks free of allocation; it is used under _gate only.
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, Encoding.ASCII.GetBytes(local.Password));
        RemoteUfrag = remoteUfrag;
        RemotePassword = remotePassword;
        _lastConsentTicks = now.UtcTicks;
    }

    /// <summary>Our ufrag and password for this peer (put them in the answer).</summary>
    public IceCredentials LocalCredentials { get; }

    /// <summary>The peer's ufrag from its SDP, when known; checks naming another ufrag are ignored.</summary>
    public string? RemoteUfrag { get; private set; }

    /// <summary>The peer's password from its SDP (a lite agent never sends checks, so it is kept only for the owner).</summary>
    public string? RemotePassword { get; private set; }

    /// <summary>Where the session stands.</summary>
    public IceSessionState State => _state;

    /// <summary>The address the peer nominated, or the first validated one until it does; null before any check.</summary>
    public SocketAddress? SelectedAddress => _selected;

    /// <summary>When the last valid check arrived (the creation time before that).</summary>
    public DateTimeOffset LastConsent => new(Interlocked.Read(ref _lastConsentTicks), TimeSpan.Zero);

    /// <summary>The owner's object for this peer.</summary>
    public object? Tag { get; set; }

    /// <summary>Addresses that passed a check, oldest first (a copy).</summary>
    public SocketAddress[] GetValidatedAddresses()
    {
        lock (_gate)
        {
            return [.. _validated];
        }
    }

    /// <summary>Sets the peer's credentials once its SDP is known.</summary>
    public void SetRemoteCredentials(string ufrag, string password)
    {
        lock (_gate)
        {
            RemoteUfrag = ufrag;
            RemotePassword = password;
        }
    }

    // Records a valid check; returns the stored copy of the address when it is new, else null.
    internal SocketAddress? RecordValidCheck(SocketAddress remote, bool useCandidate, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_state == IceSessionState.Expired)
            {
                return null;
            }

            Interlocked.Exchange(ref _lastConsentTicks, now.UtcTicks);
            SocketAddress? added = null;
            var known = FindValidated(remote);
            if (known is null)
            {
                // The receive loop reuses its SocketAddress; keep our own copy.
                known = Copy(remote);
                _validated.Add(known);
                added = known;
            }

            if (useCandidate)
            {
                // RFC 8445 §7.3.1.5: a nominated pair becomes the selected pair.
                _selected = known;
                _state = IceSessionState.Selected;
            }
            else if (_state == IceSessionState.New)
            {
                _selected = known;
                _state = IceSessionState.Connected;
            }

            return added;
        }
    }

    internal bool Expire()
    {
        lock (_gate)
        {
            if (_state == IceSessionState.Expired)
            {
                return false;
            }

            _state = IceSessionState.Expired;
            _hmac.Dispose();
            return true;
        }
    }

    // False when the integrity is wrong or the session has just expired.
    internal bool VerifyIntegrity(in StunMessage message)
    {
        lock (_gate)
        {
            return _state != IceSessionState.Expired && message.VerifyMessageIntegrity(_hmac);
        }
    }

    // False when the session expired meanwhile (nothing is signed then).
    internal bool TrySign(ref StunWriter writer)
    {
        lock (_gate)
        {
            if (_state == IceSessionState.Expired)
            {
                return false;
            }

            writer.AddMessageIntegrity(_hmac);
            return true;
        }
    }

    private SocketAddress? FindValidated(SocketAddress remote)
    {
        foreach (var address in _validated)
        {
            if (address.Equals(remote))
            {
                return address;
            }
        }

        return null;
    }

    private static SocketAddress Copy(SocketAddress source)
    {
        var copy = new SocketAddress(source.Family, source.Size);
        source.Buffer.Span[..source.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }
}
