// Debian's nginx, coturn and PostgreSQL, and POSIX signals: Linux only, like the server.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
// One cluster for the whole tier; its tests take turns (they kill and restart its nodes).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
