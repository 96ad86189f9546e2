using Microsoft.Win32.SafeHandles;

namespace WeCompany.Media.Dtls.Native;

/// <summary>An SSL_CTX*; OpenSSL reference-counts it, so SSL objects made from it outlive this handle safely.</summary>
internal sealed class SslContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SslContextHandle()
        : base(ownsHandle: true)
    {
    }

    public SslContextHandle(IntPtr handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        LibSsl.SSL_CTX_free(handle);
        return true;
    }
}

/// <summary>An SSL*; freeing it also frees the two memory BIOs handed to it by SSL_set_bio.</summary>
internal sealed class SslHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SslHandle()
        : base(ownsHandle: true)
    {
    }

    public SslHandle(IntPtr handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        LibSsl.SSL_free(handle);
        return true;
    }
}
