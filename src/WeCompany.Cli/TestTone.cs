using System.Buffers.Binary;

namespace WeCompany.Cli;

/// <summary>A 440 Hz sine as 16-bit little-endian PCM, 8 kHz mono, in 20 ms frames: something to send as media.</summary>
public sealed class TestTone
{
    public const int SampleRate = 8000;
    public const int FrameMilliseconds = 20;
    public const int SamplesPerFrame = SampleRate * FrameMilliseconds / 1000;
    private long _sample;

    /// <summary>Fills <paramref name="frame"/> (320 bytes) with the next 20 ms of the tone.</summary>
    public void Next(Span<byte> frame)
    {
        for (var i = 0; i < SamplesPerFrame; i++, _sample++)
        {
            var value = (short)(Math.Sin(2 * Math.PI * 440 * _sample / SampleRate) * 8000);
            BinaryPrimitives.WriteInt16LittleEndian(frame[(i * 2)..], value);
        }
    }
}
