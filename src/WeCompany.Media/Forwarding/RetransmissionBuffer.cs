namespace WeCompany.Media.Forwarding;

/// <summary>
/// The last <see cref="Capacity"/> plain RTP packets of one published track, indexed by sequence number,
/// so the SFU can answer a subscriber's NACK (RFC 4585 §6.2.1) without asking the publisher.
/// </summary>
/// <remarks>
/// Slots are allocated once (1,500 bytes each); storing copies into the slot, nothing is allocated per packet.
/// Not thread-safe: the receive loop stores, and lookups take the same lock as the owner's forwarding.
/// </remarks>
public sealed class RetransmissionBuffer
{
    /// <summary>The largest packet kept.</summary>
    public const int SlotSize = 1500;

    private readonly byte[] _slots;
    private readonly int[] _lengths;
    private readonly ushort[] _sequences;

    /// <summary>Creates a buffer of <paramref name="capacity"/> packets (a power of two).</summary>
    public RetransmissionBuffer(int capacity = 512)
    {
        if (capacity <= 0 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity is a power of two.");
        }

        Capacity = capacity;
        _slots = new byte[capacity * SlotSize];
        _lengths = new int[capacity];
        _sequences = new ushort[capacity];
    }

    /// <summary>Packets the buffer holds at most.</summary>
    public int Capacity { get; }

    /// <summary>Keeps a copy of <paramref name="packet"/> under <paramref name="sequenceNumber"/>; larger packets are skipped.</summary>
    public void Store(ushort sequenceNumber, ReadOnlySpan<byte> packet)
    {
        if (packet.Length > SlotSize)
        {
            return;
        }

        var slot = sequenceNumber & (Capacity - 1);
        packet.CopyTo(_slots.AsSpan(slot * SlotSize, SlotSize));
        _lengths[slot] = packet.Length;
        _sequences[slot] = sequenceNumber;
    }

    /// <summary>The stored packet with <paramref name="sequenceNumber"/>, or false when it was overwritten or never seen.</summary>
    public bool TryGet(ushort sequenceNumber, out ReadOnlySpan<byte> packet)
    {
        var slot = sequenceNumber & (Capacity - 1);
        if (_lengths[slot] == 0 || _sequences[slot] != sequenceNumber)
        {
            packet = default;
            return false;
        }

        packet = _slots.AsSpan(slot * SlotSize, _lengths[slot]);
        return true;
    }
}
