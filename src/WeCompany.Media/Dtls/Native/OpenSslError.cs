using System.Text;

namespace WeCompany.Media.Dtls.Native;

/// <summary>
/// Reads OpenSSL's error queue. The queue is per thread: read it right after the failing call, on the same
/// thread, with no await in between.
/// </summary>
internal static class OpenSslError
{
    public static unsafe string Drain(string operation)
    {
        var text = new StringBuilder(operation);
        byte* buffer = stackalloc byte[256];
        nuint code;
        var first = true;
        while ((code = LibCrypto.ERR_get_error()) != 0)
        {
            LibCrypto.ERR_error_string_n(code, buffer, 256);
            text.Append(first ? ": " : "; ");
            text.Append(new string((sbyte*)buffer));
            first = false;
        }

        if (first)
        {
            text.Append(": no OpenSSL error queued");
        }

        return text.ToString();
    }
}
