// The server is Linux-only (system OpenSSL, pocketsphinx); so is its bench.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
