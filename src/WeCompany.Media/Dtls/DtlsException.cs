namespace WeCompany.Media.Dtls;

/// <summary>OpenSSL refused to set up a DTLS context or connection (not a handshake failure, which is a state).</summary>
public sealed class DtlsException : Exception
{
    /// <summary>Creates the exception with OpenSSL's error text.</summary>
    public DtlsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DtlsException()
    {
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public DtlsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
