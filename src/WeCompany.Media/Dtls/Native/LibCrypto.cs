using System.Runtime.InteropServices;

namespace WeCompany.Media.Dtls.Native;

/// <summary>The libcrypto 3 entry points for memory BIOs, DER certificates and keys, and the error queue.</summary>
internal static unsafe partial class LibCrypto
{
    private const string Library = "libcrypto.so.3";

    /// <summary>BIO_set_mem_eof_return: an empty memory BIO then reads as "retry", not end of file.</summary>
    public const int BIO_C_SET_BUF_MEM_EOF_RETURN = 130;

    [LibraryImport(Library)]
    public static partial IntPtr BIO_s_mem();

    [LibraryImport(Library)]
    public static partial IntPtr BIO_new(IntPtr method);

    [LibraryImport(Library)]
    public static partial int BIO_free(IntPtr bio);

    [LibraryImport(Library)]
    public static partial int BIO_write(IntPtr bio, byte* data, int length);

    [LibraryImport(Library)]
    public static partial int BIO_read(IntPtr bio, byte* data, int length);

    [LibraryImport(Library)]
    public static partial nint BIO_ctrl(IntPtr bio, int cmd, nint larg, IntPtr parg);

    [LibraryImport(Library)]
    public static partial nuint BIO_ctrl_pending(IntPtr bio);

    /// <summary>Advances <paramref name="data"/> past what it read: pass a copy of the pointer.</summary>
    [LibraryImport(Library)]
    public static partial IntPtr d2i_X509(IntPtr reuse, byte** data, nint length);

    /// <summary>Advances <paramref name="data"/> past what it read: pass a copy of the pointer.</summary>
    [LibraryImport(Library)]
    public static partial IntPtr d2i_AutoPrivateKey(IntPtr reuse, byte** data, nint length);

    [LibraryImport(Library)]
    public static partial int i2d_X509(IntPtr x509, byte** output);

    [LibraryImport(Library)]
    public static partial void X509_free(IntPtr x509);

    [LibraryImport(Library)]
    public static partial void EVP_PKEY_free(IntPtr pkey);

    [LibraryImport(Library)]
    public static partial IntPtr X509_STORE_CTX_get_ex_data(IntPtr storeContext, int index);

    [LibraryImport(Library)]
    public static partial IntPtr X509_STORE_CTX_get_current_cert(IntPtr storeContext);

    [LibraryImport(Library)]
    public static partial int X509_STORE_CTX_get_error_depth(IntPtr storeContext);

    [LibraryImport(Library)]
    public static partial nuint ERR_get_error();

    [LibraryImport(Library)]
    public static partial void ERR_error_string_n(nuint error, byte* buffer, nuint length);

    [LibraryImport(Library)]
    public static partial void ERR_clear_error();
}
