namespace WeCompany.Media.Srtp;

/// <summary>
/// The cryptographic state of one SSRC in one direction (RFC 3711 §3.2.3): the rollover counter and highest
/// sequence number (kept together as the highest 48-bit packet index), the RTP and RTCP replay windows, and
/// the next SRTCP index to send.
/// </summary>
internal sealed class SrtpContext
{
    private ReplayWindow _rtp;
    private ReplayWindow _rtcp;
    private uint _nextRtcpIndex;

    public SrtpContext(uint ssrc) => Ssrc = ssrc;

    public uint Ssrc { get; }

    /// <summary>The rollover counter: how many times the sequence number has wrapped.</summary>
    public uint RolloverCounter => (uint)(_rtp.Highest >> 16);

    /// <summary>
    /// RFC 3711 §3.3.1 and Appendix A: the 48-bit index of <paramref name="sequence"/> relative to the highest
    /// index seen, choosing among ROC - 1, ROC and ROC + 1 the one closest to s_l.
    /// </summary>
    public ulong EstimateIndex(ushort sequence) => EstimateIndex(_rtp.HasAny, _rtp.Highest, sequence);

    internal static ulong EstimateIndex(bool hasHighest, ulong highest, ushort sequence)
    {
        if (!hasHighest)
        {
            return sequence;
        }

        var roc = highest >> 16;
        var highestSequence = (ushort)highest;
        ulong guess;
        if (highestSequence < 32768)
        {
            // Appendix A: a sequence number far above s_l belongs to the previous rollover.
            guess = sequence - highestSequence > 32768 && roc > 0 ? roc - 1 : roc;
        }
        else
        {
            // Appendix A: a sequence number far below s_l means the counter has wrapped.
            guess = highestSequence - 32768 > sequence ? roc + 1 : roc;
        }

        return (guess << 16) | sequence;
    }

    public SrtpResult CheckRtpReplay(ulong index) => _rtp.Check(index);

    /// <summary>Records an authenticated (or sent) packet: advances ROC/s_l and marks the replay window.</summary>
    public void AcceptRtp(ulong index) => _rtp.Accept(index);

    public SrtpResult CheckRtcpReplay(uint index) => _rtcp.Check(index);

    public void AcceptRtcp(uint index) => _rtcp.Accept(index);

    /// <summary>RFC 3711 §3.4: a 31-bit counter, one per SRTCP packet sent, starting at zero.</summary>
    public uint TakeRtcpIndex()
    {
        var index = _nextRtcpIndex;
        _nextRtcpIndex = (_nextRtcpIndex + 1) & 0x7FFF_FFFF;
        return index;
    }
}
