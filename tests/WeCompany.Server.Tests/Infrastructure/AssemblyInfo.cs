// The server is Linux-only (system OpenSSL, pocketsphinx, Unix file modes); so are its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
// Tests in one class run in order; classes run in parallel, each with its own server.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass, MaxParallelThreads = 4)]
