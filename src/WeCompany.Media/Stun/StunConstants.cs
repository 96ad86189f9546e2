namespace WeCompany.Media.Stun;

/// <summary>Wire constants of STUN (RFC 5389 / RFC 8489) used by ICE.</summary>
public static class StunConstants
{
    /// <summary>RFC 5389 §6: the fixed magic cookie in bytes 4..7 of every message.</summary>
    public const uint MagicCookie = 0x2112A442;

    /// <summary>RFC 5389 §6: 20-byte header (type, length, cookie, 96-bit transaction id).</summary>
    public const int HeaderLength = 20;

    /// <summary>RFC 5389 §6: the transaction id is 96 bits.</summary>
    public const int TransactionIdLength = 12;

    /// <summary>RFC 5389 §15.5: the CRC-32 of the message is XOR-ed with this value.</summary>
    public const uint FingerprintXor = 0x5354554E;

    /// <summary>RFC 5389 §15.4: HMAC-SHA1 gives 20 bytes.</summary>
    public const int MessageIntegrityLength = 20;

    /// <summary>Attribute header: 16-bit type, 16-bit length.</summary>
    public const int AttributeHeaderLength = 4;
}

/// <summary>STUN message types (method and class combined, RFC 5389 §6) that ICE uses.</summary>
public enum StunMessageType : ushort
{
    /// <summary>Binding request (class request, method binding).</summary>
    BindingRequest = 0x0001,

    /// <summary>Binding indication (used for keep-alives).</summary>
    BindingIndication = 0x0011,

    /// <summary>Binding success response.</summary>
    BindingSuccessResponse = 0x0101,

    /// <summary>Binding error response.</summary>
    BindingErrorResponse = 0x0111,
}

/// <summary>STUN attribute types (RFC 5389 §18.2, RFC 8445 §16.1).</summary>
public enum StunAttributeType : ushort
{
    /// <summary>MAPPED-ADDRESS.</summary>
    MappedAddress = 0x0001,

    /// <summary>USERNAME: for ICE "remoteUfrag:localUfrag" as seen by the sender.</summary>
    Username = 0x0006,

    /// <summary>MESSAGE-INTEGRITY: HMAC-SHA1.</summary>
    MessageIntegrity = 0x0008,

    /// <summary>ERROR-CODE.</summary>
    ErrorCode = 0x0009,

    /// <summary>UNKNOWN-ATTRIBUTES.</summary>
    UnknownAttributes = 0x000A,

    /// <summary>XOR-MAPPED-ADDRESS.</summary>
    XorMappedAddress = 0x0020,

    /// <summary>PRIORITY (ICE).</summary>
    Priority = 0x0024,

    /// <summary>USE-CANDIDATE (ICE, no value).</summary>
    UseCandidate = 0x0025,

    /// <summary>SOFTWARE.</summary>
    Software = 0x8022,

    /// <summary>FINGERPRINT.</summary>
    Fingerprint = 0x8028,

    /// <summary>ICE-CONTROLLED (64-bit tie breaker).</summary>
    IceControlled = 0x8029,

    /// <summary>ICE-CONTROLLING (64-bit tie breaker).</summary>
    IceControlling = 0x802A,
}

/// <summary>The outcome of validating a short-term-credential request (RFC 5389 §10.1.2, RFC 8445 §7.3).</summary>
public enum StunValidationResult
{
    /// <summary>Well formed, fingerprint and integrity verified, user known.</summary>
    Ok,

    /// <summary>MESSAGE-INTEGRITY absent or does not match the local password.</summary>
    BadIntegrity,

    /// <summary>USERNAME names no local ufrag we know.</summary>
    UnknownUser,

    /// <summary>Not a well-formed STUN message (bounds, cookie, attribute layout, fingerprint value).</summary>
    Malformed,

    /// <summary>No FINGERPRINT attribute, which ICE requires (RFC 8445 §7.2.2).</summary>
    NoFingerprint,
}
