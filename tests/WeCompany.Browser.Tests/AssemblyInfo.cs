// The server targets Linux only (P/Invoke into the system OpenSSL, /proc); so do its browser tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// Browser tests share one machine's two cores: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
