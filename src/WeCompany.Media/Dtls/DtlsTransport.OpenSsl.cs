using System.Runtime.InteropServices;
using WeCompany.Media.Dtls.Native;

namespace WeCompany.Media.Dtls;

// The OpenSSL side of DtlsTransport: creating the SSL object with its memory BIOs, the callbacks OpenSSL
// makes into managed code, and moving bytes through the BIOs.
public sealed partial class DtlsTransport
{
    private const int AppDataIndex = 0;

    private IntPtr Ssl => _ssl.DangerousGetHandle();

    private static unsafe SslHandle CreateSsl(DtlsContext context, DtlsRole role, int mtu, out IntPtr readBio, out IntPtr writeBio)
    {
        LibCrypto.ERR_clear_error();
        // Holding a reference keeps the SSL_CTX alive across SSL_new even if the context is disposed meanwhile;
        // SSL_new then takes OpenSSL's own reference, so the transport may outlive the DtlsContext.
        var added = false;
        SslHandle ssl;
        try
        {
            context.Handle.DangerousAddRef(ref added);
            ssl = new SslHandle(LibSsl.SSL_new(context.Handle.DangerousGetHandle()));
        }
        finally
        {
            if (added)
            {
                context.Handle.DangerousRelease();
            }
        }

        if (ssl.IsInvalid)
        {
            throw new DtlsException(OpenSslError.Drain("SSL_new"));
        }

        readBio = LibCrypto.BIO_new(LibCrypto.BIO_s_mem());
        writeBio = LibCrypto.BIO_new(LibCrypto.BIO_s_mem());
        if (readBio == IntPtr.Zero || writeBio == IntPtr.Zero)
        {
            var reason = OpenSslError.Drain("BIO_new");
            _ = LibCrypto.BIO_free(readBio);
            _ = LibCrypto.BIO_free(writeBio);
            ssl.Dispose();
            throw new DtlsException(reason);
        }

        // An empty read BIO must mean "wait for more", not end of stream.
        LibCrypto.BIO_ctrl(readBio, LibCrypto.BIO_C_SET_BUF_MEM_EOF_RETURN, -1, IntPtr.Zero);
        var handle = ssl.DangerousGetHandle();
        LibSsl.SSL_set_bio(handle, readBio, writeBio); // the SSL object owns both BIOs from here

        // SSL_OP_NO_QUERY_MTU (set on the context) without an explicit MTU fails the handshake with
        // SSL_ERROR_SYSCALL and an empty error queue: set both. A memory BIO reports no IP/UDP overhead,
        // so both are the largest datagram payload we will send.
        LibSsl.SSL_ctrl(handle, LibSsl.SSL_CTRL_SET_MTU, mtu, IntPtr.Zero);
        LibSsl.SSL_ctrl(handle, LibSsl.DTLS_CTRL_SET_LINK_MTU, mtu, IntPtr.Zero);
        LibSsl.DTLS_set_timer_cb(handle, &NextRetransmitMicroseconds);
        LibSsl.SSL_set_verify(handle, LibSsl.SSL_VERIFY_PEER | LibSsl.SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &VerifyPeerCertificate);
        if (role == DtlsRole.Server)
        {
            LibSsl.SSL_set_accept_state(handle);
        }
        else
        {
            LibSsl.SSL_set_connect_state(handle);
        }

        return ssl;
    }

    // OpenSSL's default first retransmission waits 1 s; 100 ms doubling to a 3.2 s cap recovers a lost
    // flight quickly on real networks (RFC 6347 §4.2.4.1 allows any initial value). Pure arithmetic: never throws.
    [UnmanagedCallersOnly]
    private static uint NextRetransmitMicroseconds(IntPtr ssl, uint previousMicroseconds) =>
        previousMicroseconds == 0 ? 100_000u : Math.Min(previousMicroseconds * 2, 3_200_000u);

    // Pins the peer's leaf certificate to the SDP fingerprint while the handshake runs, so a mismatch aborts
    // it with a bad_certificate alert before either side finishes (RFC 5763 §5). Chain certificates above
    // the leaf carry no trust in WebRTC and are accepted. Never throws: an exception cannot cross into OpenSSL.
    [UnmanagedCallersOnly]
    private static unsafe int VerifyPeerCertificate(int preverifyOk, IntPtr storeContext)
    {
        try
        {
            if (LibCrypto.X509_STORE_CTX_get_error_depth(storeContext) > 0)
            {
                return 1;
            }

            var ssl = LibCrypto.X509_STORE_CTX_get_ex_data(storeContext, LibSsl.SSL_get_ex_data_X509_STORE_CTX_idx());
            var self = ssl == IntPtr.Zero ? IntPtr.Zero : LibSsl.SSL_get_ex_data(ssl, AppDataIndex);
            if (self == IntPtr.Zero || GCHandle.FromIntPtr(self).Target is not DtlsTransport transport)
            {
                return 0;
            }

            var certificate = LibCrypto.X509_STORE_CTX_get_current_cert(storeContext);
            var der = certificate == IntPtr.Zero ? null : EncodeCertificate(certificate);
            if (der is not null && transport._remoteFingerprint.Matches(der))
            {
                return 1;
            }

            transport._fingerprintRejected = true;
            return 0;
        }
        catch (Exception)
        {
            return 0;
        }
    }

    private static unsafe byte[]? EncodeCertificate(IntPtr certificate)
    {
        var length = LibCrypto.i2d_X509(certificate, null);
        if (length <= 0)
        {
            return null;
        }

        var der = new byte[length];
        fixed (byte* start = der)
        {
            var cursor = start; // i2d_X509 advances the pointer it is given
            return LibCrypto.i2d_X509(certificate, &cursor) == length ? der : null;
        }
    }

    private unsafe bool WriteIncoming(ReadOnlySpan<byte> datagram)
    {
        fixed (byte* data = datagram)
        {
            // A memory BIO fails a write only when out of memory: the datagram is then dropped, as lost.
            return LibCrypto.BIO_write(_readBio, data, datagram.Length) == datagram.Length;
        }
    }

    private unsafe void FlushOutgoing()
    {
        var pending = (int)LibCrypto.BIO_ctrl_pending(_writeBio);
        if (pending <= 0)
        {
            return;
        }

        if (pending > _outgoing.Length)
        {
            _outgoing = new byte[pending];
        }

        int read;
        fixed (byte* data = _outgoing)
        {
            read = LibCrypto.BIO_read(_writeBio, data, pending);
        }

        if (read > 0)
        {
            DtlsRecordPacker.Send(_outgoing.AsSpan(0, read), _options.Mtu, _sink);
        }
    }
}
