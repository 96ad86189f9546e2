using System.Buffers;
using System.Buffers.Binary;
using WeCompany.Protocol.Rest;
using WeCompany.Server.Http;

namespace WeCompany.Server.Speech;

/// <summary>Audio as the engines take it: 16 kHz mono signed 16-bit samples, and how long the input was.</summary>
public sealed record PcmAudio(short[] Samples, double DurationSeconds)
{
    public const int SampleRate = 16_000;
}

/// <summary>
/// Turns the request's audio into <see cref="PcmAudio"/>: RIFF/WAVE (PCM 8/16/24/32-bit integer or 32-bit
/// float, 1–8 channels, mixed to mono, resampled to 16 kHz) or raw signed 16-bit little-endian mono at a
/// given rate. Header lengths are not trusted: a data chunk claiming more than the file holds is cut to what
/// is there, and a size of 0 or 0xFFFFFFFF (streaming writers) means "to the end".
/// </summary>
public static class AudioDecoder
{
    public const int MinSampleRate = 8_000;
    public const int MaxSampleRate = 192_000;
    private const string Supported = "Send WAV (PCM 8, 16, 24 or 32-bit integer, or 32-bit float) or raw 16-bit little-endian PCM.";

    public static Result<PcmAudio> Decode(ReadOnlySpan<byte> data, string format, int? sampleRate, int maxSeconds)
    {
        if (data.IsEmpty)
        {
            return ApiError.Validation("audio_data is empty.");
        }
        return format switch
        {
            "wav" => DecodeWav(data, maxSeconds),
            "pcm" => DecodePcm(data, sampleRate, maxSeconds),
            _ => Unsupported($"format must be \"wav\" or \"pcm\", not \"{format}\"."),
        };
    }

    private static Result<PcmAudio> DecodeWav(ReadOnlySpan<byte> data, int maxSeconds)
    {
        // Microsoft RIFF: "RIFF" size "WAVE", then chunks of id(4) size(4, little-endian) body (padded to even).
        if (data.Length < 12 || !data.StartsWith("RIFF"u8) || !data[8..12].SequenceEqual("WAVE"u8))
        {
            return ApiError.Validation("audio_data is not a WAV file (no RIFF/WAVE header).");
        }
        WavFormat? format = null;
        var audio = ReadOnlySpan<byte>.Empty;
        var foundData = false;
        var offset = 12;
        while (offset + 8 <= data.Length)
        {
            var id = data.Slice(offset, 4);
            var declared = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(offset + 4, 4));
            var bodyStart = offset + 8;
            var available = data.Length - bodyStart;
            if (id.SequenceEqual("data"u8))
            {
                var length = declared is 0 or uint.MaxValue || declared > available ? available : (int)declared;
                audio = data.Slice(bodyStart, length);
                foundData = true;
                if (format is not null)
                {
                    break;
                }
            }
            else if (id.SequenceEqual("fmt "u8))
            {
                if (declared < 16 || available < 16)
                {
                    return ApiError.Validation("The WAV fmt chunk is truncated.");
                }
                var parsed = ParseFormat(data.Slice(bodyStart, (int)Math.Min(declared, (uint)available)));
                if (!parsed.IsSuccess)
                {
                    return parsed.Error!;
                }
                format = parsed.Value;
                if (foundData)
                {
                    break;
                }
            }
            if (declared > available)
            {
                break;
            }
            offset = bodyStart + (int)declared + (int)(declared & 1);
        }
        if (format is null)
        {
            return ApiError.Validation("The WAV file has no fmt chunk.");
        }
        if (!foundData)
        {
            return ApiError.Validation("The WAV file has no data chunk.");
        }
        return Convert(audio, format, maxSeconds);
    }

    private static Result<WavFormat> ParseFormat(ReadOnlySpan<byte> fmt)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        // WAVE_FORMAT_EXTENSIBLE: the real format code is the first two bytes of the SubFormat GUID (offset 24).
        if (tag == 0xFFFE && fmt.Length >= 26)
        {
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }
        if (channels is < 1 or > 8)
        {
            return ApiError.Validation($"The WAV file claims {channels} channels; 1 to 8 are accepted.");
        }
        if (rate is < MinSampleRate or > MaxSampleRate)
        {
            return ApiError.Validation($"The WAV sample rate {rate} Hz is outside {MinSampleRate}–{MaxSampleRate} Hz.");
        }
        var accepted = (tag, bits) is (1, 8) or (1, 16) or (1, 24) or (1, 32) or (3, 32);
        if (!accepted)
        {
            var what = tag switch
            {
                1 => $"{bits}-bit integer PCM",
                3 => $"{bits}-bit float",
                6 => "A-law",
                7 => "µ-law",
                _ => $"format code {tag}",
            };
            return Unsupported($"WAV encoded as {what} is not supported. {Supported}");
        }
        return new WavFormat(tag, channels, (int)rate, bits);
    }

    private static Result<PcmAudio> DecodePcm(ReadOnlySpan<byte> data, int? sampleRate, int maxSeconds)
    {
        if (sampleRate is not { } rate)
        {
            return ApiError.Validation("sample_rate is required for format pcm.");
        }
        if (rate is < MinSampleRate or > MaxSampleRate)
        {
            return ApiError.Validation($"sample_rate must be within {MinSampleRate}–{MaxSampleRate} Hz, not {rate}.");
        }
        // An odd trailing byte is half a sample: drop it.
        return Convert(data[..(data.Length & ~1)], new WavFormat(1, 1, rate, 16), maxSeconds);
    }

    private static Result<PcmAudio> Convert(ReadOnlySpan<byte> audio, WavFormat format, int maxSeconds)
    {
        var bytesPerSample = format.Bits / 8;
        var blockAlign = bytesPerSample * format.Channels;
        var frames = audio.Length / blockAlign;
        if (frames == 0)
        {
            return ApiError.Validation("The audio holds no samples (0 seconds).");
        }
        var duration = (double)frames / format.Rate;
        if (duration > maxSeconds)
        {
            return new ApiError(413, "PayloadTooLarge", ErrorCodes.FileTooLarge, "Audio too long",
                $"The audio lasts {duration:0.0} s; at most {maxSeconds} s is accepted.");
        }
        var mono = ArrayPool<float>.Shared.Rent(frames);
        try
        {
            for (var frame = 0; frame < frames; frame++)
            {
                var block = audio.Slice(frame * blockAlign, blockAlign);
                var sum = 0f;
                for (var channel = 0; channel < format.Channels; channel++)
                {
                    sum += ReadSample(block.Slice(channel * bytesPerSample, bytesPerSample), format.Tag);
                }
                mono[frame] = sum / format.Channels;
            }
            var resampled = Resampler.Resample(mono.AsSpan(0, frames), format.Rate, PcmAudio.SampleRate);
            var samples = new short[resampled.Length];
            // Requantising to 16 bits adds triangular (TPDF) dither of ±1 LSB, as sox does: exact digital
            // silence (synthetic speech has it) makes pocketsphinx's log-energy features degenerate. Audio that
            // is already 16 kHz mono 16-bit is passed through untouched. Seeded: the same input decodes the same.
            var dither = format is { Rate: PcmAudio.SampleRate, Channels: 1, Bits: 16 } ? null : new Random(frames);
            for (var i = 0; i < resampled.Length; i++)
            {
                var noise = dither is null ? 0f : (float)(dither.NextDouble() - dither.NextDouble());
                samples[i] = (short)Math.Clamp(MathF.Round((resampled[i] * 32768f) + noise), short.MinValue, short.MaxValue);
            }
            return new PcmAudio(samples, duration);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(mono);
        }
    }

    // One sample as a float in [-1, 1). 8-bit WAV is unsigned with 128 as silence; the wider ones are signed.
    private static float ReadSample(ReadOnlySpan<byte> bytes, int tag) => bytes.Length switch
    {
        1 => (bytes[0] - 128) / 128f,
        2 => BinaryPrimitives.ReadInt16LittleEndian(bytes) / 32768f,
        3 => ((bytes[0] | (bytes[1] << 8) | (bytes[2] << 16)) << 8 >> 8) / 8388608f,
        _ => tag == 3
            ? Sanitize(BinaryPrimitives.ReadSingleLittleEndian(bytes))
            : BinaryPrimitives.ReadInt32LittleEndian(bytes) / 2147483648f,
    };

    // NaN or infinities in float audio would poison the filter; treat them as silence and clip the rest.
    private static float Sanitize(float value) => float.IsFinite(value) ? Math.Clamp(value, -1f, 1f) : 0f;

    private static ApiError Unsupported(string details) =>
        new(415, "UnsupportedAudioFormat", ErrorCodes.FileTypeUnsupported, "Audio format not supported", details);

    private sealed record WavFormat(int Tag, int Channels, int Rate, int Bits);
}
