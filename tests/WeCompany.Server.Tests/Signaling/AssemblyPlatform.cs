// The server under test runs on Linux only (see src/WeCompany.Server/Hosting/AssemblyInfo.cs).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
