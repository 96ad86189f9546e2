namespace WeCompany.Media.Forwarding;

/// <summary>
/// The header extension ids a publisher negotiated (RFC 8285 a=extmap), 0 for those not negotiated.
/// The SFU reads audio level and the transport-wide sequence number from them.
/// </summary>
/// <param name="AudioLevel">RFC 6464 client-to-mixer audio level.</param>
/// <param name="TransportSequence">draft-holmer-rmcat-transport-wide-cc-extensions-01 sequence number.</param>
/// <param name="AbsSendTime">abs-send-time (REMB senders).</param>
public sealed record RtpExtensionIds(int AudioLevel, int TransportSequence, int AbsSendTime)
{
    /// <summary>No extension negotiated.</summary>
    public static readonly RtpExtensionIds None = new(0, 0, 0);
}
