// The server runs on Linux: it P/Invokes the system's OpenSSL and pocketsphinx, and keeps keys with Unix modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
