using System.Buffers;

namespace WeCompany.Server.Calls;

/// <summary>
/// Buffers for queued outgoing frames. A frame is rented on the sender's read loop and returned on the receiver's
/// write loop, and a burst keeps a few hundred in flight: more than the shared pool's per-core caches hold (it then
/// allocates). This pool keeps up to 512 buffers per size class (at most ~100 MiB retained across all classes,
/// only after such a burst); frames over 128 KiB (files) use the shared pool.
/// </summary>
internal static class FrameBuffers
{
    private const int LargestPooled = 128 * 1024;
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(LargestPooled, 512);

    public static byte[] Rent(int size) => size <= LargestPooled ? Pool.Rent(size) : ArrayPool<byte>.Shared.Rent(size);

    public static void Return(byte[] buffer)
    {
        if (buffer.Length <= LargestPooled)
        {
            Pool.Return(buffer);
        }
        else
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
