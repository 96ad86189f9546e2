// Debian's nginx, coturn and PostgreSQL, and POSIX signals: Linux only, like the server and its cluster tier.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
