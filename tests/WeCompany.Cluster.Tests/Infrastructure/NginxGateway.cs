using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace WeCompany.Cluster.Tests.Infrastructure;

/// <summary>
/// Debian's nginx with the configuration of deploy/nginx/wecompany.conf, rewritten only where a loopback run
/// must differ: the nodes' addresses, the listen ports, the certificate (self-signed, made here) and log paths.
/// </summary>
public sealed class NginxGateway : IAsyncDisposable
{
    private const string NginxBinary = "/usr/sbin/nginx";
    private readonly ChildProcess _process;

    private NginxGateway(ChildProcess process, int httpsPort, int httpPort, X509Certificate2 certificate, string folder)
    {
        _process = process;
        HttpsPort = httpsPort;
        HttpPort = httpPort;
        Certificate = certificate;
        Folder = folder;
    }

    public int HttpsPort { get; }

    public int HttpPort { get; }

    public Uri BaseAddress => new($"https://127.0.0.1:{HttpsPort}/");

    /// <summary>The gateway's self-signed certificate: clients trust exactly this one.</summary>
    public X509Certificate2 Certificate { get; }

    public string Folder { get; }

    public ChildProcess Process => _process;

    public string AccessLog => Path.Combine(Folder, "logs", "wecompany.access.log");

    public static async Task<NginxGateway> StartAsync(string folder, IReadOnlyList<ServerNode> nodes)
    {
        if (!File.Exists(NginxBinary))
        {
            throw new InvalidOperationException("nginx is not installed (Debian package 'nginx'): run scripts/test-deps.sh.");
        }
        Directory.CreateDirectory(Path.Combine(folder, "logs"));
        Directory.CreateDirectory(Path.Combine(folder, "tmp"));
        // nginx's workers run as an unprivileged user when the tests run as root: let them reach their temp files.
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        var certificate = await MakeCertificateAsync(folder);
        var httpsPort = Ports.FreeTcp();
        var httpPort = Ports.FreeTcp();
        await File.WriteAllTextAsync(Path.Combine(folder, "wecompany.conf"), Site(folder, nodes, httpsPort, httpPort));
        var main = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(main, $$"""
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/logs/error.log info;
            events { worker_connections 1024; }
            http {
                client_body_temp_path {{folder}}/tmp/body;
                proxy_temp_path {{folder}}/tmp/proxy;
                fastcgi_temp_path {{folder}}/tmp/fastcgi;
                uwsgi_temp_path {{folder}}/tmp/uwsgi;
                scgi_temp_path {{folder}}/tmp/scgi;
                include {{folder}}/wecompany.conf;
            }

            """);
        var process = ChildProcess.Start("nginx", Path.Combine(folder, "nginx.out.log"), NginxBinary,
            ["-p", folder, "-e", Path.Combine(folder, "logs", "error.log"), "-c", main, "-g", "daemon off;"]);
        var gateway = new NginxGateway(process, httpsPort, httpPort, certificate, folder);
        await Eventually.HoldsAsync(() => Task.FromResult(process.HasExited
            ? throw new InvalidOperationException("nginx exited while starting.\n" + process.LogTail() + "\n" + File.ReadAllText(Path.Combine(folder, "logs", "error.log")))
            : Ports.IsListening(httpsPort) && Ports.IsListening(httpPort)), TimeSpan.FromSeconds(30), "nginx to listen");
        return gateway;
    }

    /// <summary>deploy/nginx/wecompany.conf with this run's ports and paths; every rewrite must find its line.</summary>
    private static string Site(string folder, IReadOnlyList<ServerNode> nodes, int httpsPort, int httpPort)
    {
        var template = File.ReadAllText(Path.Combine(ServerBinary.RepositoryRoot, "deploy", "nginx", "wecompany.conf"));
        string Replace(string text, string from, string to)
        {
            if (!text.Contains(from, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"deploy/nginx/wecompany.conf no longer contains '{from}': update NginxGateway.");
            }
            return text.Replace(from, to, StringComparison.Ordinal);
        }
        var site = template;
        for (var i = 0; i < nodes.Count; i++)
        {
            site = Replace(site, $"server node{i + 1}:8080 ", $"server 127.0.0.1:{nodes[i].HttpPort.ToString(CultureInfo.InvariantCulture)} ");
        }
        site = Replace(site, "listen 80;", $"listen 127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)};");
        site = Replace(site, "listen 443 ssl http2;", $"listen 127.0.0.1:{httpsPort.ToString(CultureInfo.InvariantCulture)} ssl http2;");
        site = Replace(site, "listen [::]:80;", "");
        site = Replace(site, "listen [::]:443 ssl http2;", "");
        site = Replace(site, "/etc/nginx/tls/wecompany.crt", Path.Combine(folder, "gateway.crt"));
        site = Replace(site, "/etc/nginx/tls/wecompany.key", Path.Combine(folder, "gateway.key"));
        site = Replace(site, "/var/log/nginx/", Path.Combine(folder, "logs") + "/");
        return site;
    }

    private static async Task<X509Certificate2> MakeCertificateAsync(string folder)
    {
        var crt = Path.Combine(folder, "gateway.crt");
        var key = Path.Combine(folder, "gateway.key");
        var info = new System.Diagnostics.ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=localhost",
                     "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost" })
        {
            info.ArgumentList.Add(arg);
        }
        using var openssl = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("openssl did not start");
        var error = openssl.StandardError.ReadToEndAsync();
        await openssl.StandardOutput.ReadToEndAsync();
        await openssl.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (openssl.ExitCode != 0)
        {
            throw new InvalidOperationException("openssl req failed: " + await error);
        }
        return X509CertificateLoader.LoadCertificateFromFile(crt);
    }

    public async ValueTask DisposeAsync()
    {
        // SIGTERM is nginx's fast shutdown.
        await _process.StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }
}
