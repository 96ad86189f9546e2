// The server is Linux-only; so is its bench.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
