using System.Runtime.InteropServices;

namespace WeCompany.Media.Dtls.Native;

/// <summary>
/// The libssl 3 entry points DTLS-SRTP needs. Loaded by the versioned name: the bare "ssl" resolves only when
/// the -dev package's symlink exists. Macros of ssl.h are SSL_ctrl calls; their numbers are listed here.
/// </summary>
internal static unsafe partial class LibSsl
{
    private const string Library = "libssl.so.3";

    public const int SSL_ERROR_NONE = 0;
    public const int SSL_ERROR_SSL = 1;
    public const int SSL_ERROR_WANT_READ = 2;
    public const int SSL_ERROR_WANT_WRITE = 3;
    public const int SSL_ERROR_SYSCALL = 5;
    public const int SSL_ERROR_ZERO_RETURN = 6;

    public const int SSL_VERIFY_PEER = 0x01;
    public const int SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 0x02;

    /// <summary>SSL_OP_NO_QUERY_MTU: memory BIOs have no path MTU to ask; we set it ourselves.</summary>
    public const ulong SSL_OP_NO_QUERY_MTU = 1UL << 12;

    /// <summary>SSL_OP_NO_TICKET: no session tickets, so every association proves its certificate afresh.</summary>
    public const ulong SSL_OP_NO_TICKET = 1UL << 14;

    public const int SSL_CTRL_SET_MTU = 17;
    public const int SSL_CTRL_SET_SESS_CACHE_MODE = 44;
    public const int SSL_SESS_CACHE_OFF = 0;
    public const int DTLS_CTRL_GET_TIMEOUT = 73;
    public const int DTLS_CTRL_HANDLE_TIMEOUT = 74;
    public const int DTLS_CTRL_SET_LINK_MTU = 120;
    public const int SSL_CTRL_SET_MIN_PROTO_VERSION = 123;
    public const int SSL_CTRL_SET_MAX_PROTO_VERSION = 124;
    public const int DTLS1_2_VERSION = 0xFEFD;

    [LibraryImport(Library)]
    public static partial IntPtr DTLS_method();

    [LibraryImport(Library)]
    public static partial IntPtr SSL_CTX_new(IntPtr method);

    [LibraryImport(Library)]
    public static partial void SSL_CTX_free(IntPtr ctx);

    [LibraryImport(Library)]
    public static partial int SSL_CTX_use_certificate(IntPtr ctx, IntPtr x509);

    [LibraryImport(Library)]
    public static partial int SSL_CTX_use_PrivateKey(IntPtr ctx, IntPtr pkey);

    [LibraryImport(Library)]
    public static partial int SSL_CTX_check_private_key(IntPtr ctx);

    /// <summary>Returns 0 on success (unlike most of OpenSSL).</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SSL_CTX_set_tlsext_use_srtp(IntPtr ctx, string profiles);

    [LibraryImport(Library)]
    public static partial void SSL_CTX_set_verify(IntPtr ctx, int mode, delegate* unmanaged<int, IntPtr, int> callback);

    /// <summary>A real function taking 64 bits in OpenSSL 3.0.</summary>
    [LibraryImport(Library)]
    public static partial ulong SSL_CTX_set_options(IntPtr ctx, ulong options);

    [LibraryImport(Library)]
    public static partial nint SSL_CTX_ctrl(IntPtr ctx, int cmd, nint larg, IntPtr parg);

    [LibraryImport(Library)]
    public static partial IntPtr SSL_new(IntPtr ctx);

    [LibraryImport(Library)]
    public static partial void SSL_free(IntPtr ssl);

    [LibraryImport(Library)]
    public static partial void SSL_set_bio(IntPtr ssl, IntPtr readBio, IntPtr writeBio);

    [LibraryImport(Library)]
    public static partial void SSL_set_accept_state(IntPtr ssl);

    [LibraryImport(Library)]
    public static partial void SSL_set_connect_state(IntPtr ssl);

    [LibraryImport(Library)]
    public static partial int SSL_do_handshake(IntPtr ssl);

    [LibraryImport(Library)]
    public static partial int SSL_read(IntPtr ssl, byte* buffer, int length);

    [LibraryImport(Library)]
    public static partial int SSL_shutdown(IntPtr ssl);

    [LibraryImport(Library)]
    public static partial int SSL_get_error(IntPtr ssl, int result);

    [LibraryImport(Library)]
    public static partial nint SSL_ctrl(IntPtr ssl, int cmd, nint larg, IntPtr parg);

    /// <summary>Returns a pointer to <c>struct { const char *name; unsigned long id; }</c>, or null.</summary>
    [LibraryImport(Library)]
    public static partial IntPtr SSL_get_selected_srtp_profile(IntPtr ssl);

    [LibraryImport(Library)]
    public static partial int SSL_export_keying_material(
        IntPtr ssl, byte* output, nuint outputLength, byte* label, nuint labelLength, byte* context, nuint contextLength, int useContext);

    /// <summary>The caller frees the result with X509_free (SSL_get_peer_certificate is only a macro in 3.0).</summary>
    [LibraryImport(Library)]
    public static partial IntPtr SSL_get1_peer_certificate(IntPtr ssl);

    [LibraryImport(Library)]
    public static partial void SSL_set_verify(IntPtr ssl, int mode, delegate* unmanaged<int, IntPtr, int> callback);

    [LibraryImport(Library)]
    public static partial int SSL_set_ex_data(IntPtr ssl, int index, IntPtr data);

    [LibraryImport(Library)]
    public static partial IntPtr SSL_get_ex_data(IntPtr ssl, int index);

    [LibraryImport(Library)]
    public static partial int SSL_get_ex_data_X509_STORE_CTX_idx();

    [LibraryImport(Library)]
    public static partial void DTLS_set_timer_cb(IntPtr ssl, delegate* unmanaged<IntPtr, uint, uint> callback);
}
