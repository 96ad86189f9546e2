namespace WeCompany.Server.Speech;

/// <summary>
/// Band-limited sample-rate conversion: each output sample is the input convolved with a Hann-windowed sinc
/// centred on its position, the sinc's cut-off at the lower of the two Nyquist frequencies so downsampling
/// does not alias. The output/input ratio is rational (integer rates), so only out/gcd distinct filter phases
/// exist; their taps are computed once per call.
/// </summary>
public static class Resampler
{
    // Zero crossings of the sinc on each side: 16 keeps the pass band flat to ~0.9 of Nyquist.
    private const int ZeroCrossings = 16;

    public static float[] Resample(ReadOnlySpan<float> input, int inputRate, int outputRate)
    {
        if (inputRate == outputRate)
        {
            return input.ToArray();
        }
        var gcd = Gcd(inputRate, outputRate);
        var phases = outputRate / gcd;
        var step = inputRate / gcd;
        var cutoff = Math.Min(1.0, (double)outputRate / inputRate);
        var halfWidth = (int)Math.Ceiling(ZeroCrossings / cutoff);
        var taps = 2 * halfWidth;
        var table = BuildTable(phases, halfWidth, cutoff);

        var outputLength = (int)((long)input.Length * outputRate / inputRate);
        var output = new float[outputLength];
        for (var j = 0; j < outputLength; j++)
        {
            // Position j·in/out in input samples = whole + phase/phases.
            var position = (long)j * step;
            var whole = (int)(position / phases);
            var phase = (int)(position % phases);
            var weights = table.AsSpan(phase * taps, taps);
            var first = whole - halfWidth + 1;
            var sum = 0f;
            for (var k = 0; k < taps; k++)
            {
                var index = first + k;
                if ((uint)index < (uint)input.Length)
                {
                    sum += input[index] * weights[k];
                }
            }
            output[j] = sum;
        }
        return output;
    }

    private static float[] BuildTable(int phases, int halfWidth, double cutoff)
    {
        var taps = 2 * halfWidth;
        var table = new float[phases * taps];
        for (var phase = 0; phase < phases; phase++)
        {
            var fraction = (double)phase / phases;
            var row = table.AsSpan(phase * taps, taps);
            var total = 0.0;
            for (var k = 0; k < taps; k++)
            {
                // Distance from the output position to input sample (whole - halfWidth + 1 + k).
                var x = (k - halfWidth + 1) - fraction;
                var window = Math.Abs(x) >= halfWidth ? 0 : 0.5 * (1 + Math.Cos(Math.PI * x / halfWidth));
                var arg = Math.PI * cutoff * x;
                var sinc = Math.Abs(arg) < 1e-9 ? 1 : Math.Sin(arg) / arg;
                var weight = cutoff * sinc * window;
                row[k] = (float)weight;
                total += weight;
            }
            // Unity gain at DC for every phase, so a constant stays constant.
            for (var k = 0; k < taps; k++)
            {
                row[k] = (float)(row[k] / total);
            }
        }
        return table;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return a;
    }
}
