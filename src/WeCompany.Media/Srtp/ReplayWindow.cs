namespace WeCompany.Media.Srtp;

/// <summary>
/// The sliding replay list of RFC 3711 §3.3.2: the highest index accepted so far and a bitmap of the
/// 64 indices below it. Checked before authentication, updated only after it succeeds.
/// </summary>
internal struct ReplayWindow
{
    /// <summary>64 packets, the minimum RFC 3711 §3.3.2 recommends (SRTP-WindowSize).</summary>
    public const int Size = 64;

    private ulong _bitmap;

    public bool HasAny { get; private set; }

    public ulong Highest { get; private set; }

    public readonly SrtpResult Check(ulong index)
    {
        if (!HasAny || index > Highest)
        {
            return SrtpResult.Ok;
        }

        var delta = Highest - index;
        if (delta >= Size)
        {
            return SrtpResult.ReplayTooOld;
        }

        return (_bitmap & (1UL << (int)delta)) != 0 ? SrtpResult.ReplayDuplicate : SrtpResult.Ok;
    }

    public void Accept(ulong index)
    {
        if (!HasAny)
        {
            HasAny = true;
            Highest = index;
            _bitmap = 1;
            return;
        }

        if (index > Highest)
        {
            var shift = index - Highest;
            _bitmap = shift >= Size ? 1 : (_bitmap << (int)shift) | 1;
            Highest = index;
        }
        else
        {
            _bitmap |= 1UL << (int)(Highest - index);
        }
    }
}
