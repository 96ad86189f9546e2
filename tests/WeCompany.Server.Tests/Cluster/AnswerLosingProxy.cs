using System.Net;
using System.Net.Sockets;

namespace WeCompany.Server.Tests.Cluster;

/// <summary>
/// A TCP proxy on loopback in front of PostgreSQL that can lose one answer: once armed with a byte pattern, the
/// connection whose client sends it has that request forwarded, and the server's next answer (sent after the commit)
/// dropped and both sides closed. The client saw its statement fail; the server had already committed it.
/// </summary>
public sealed class AnswerLosingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;
    private byte[]? _pattern;
    private int _cuts;

    public AnswerLosingProxy(IPEndPoint upstream)
    {
        _upstream = upstream;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections cut so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Cuts the next connection whose client sends <paramref name="pattern"/>, after the server answered it; once.</summary>
    public void LoseTheAnswerTo(byte[] pattern) => Volatile.Write(ref _pattern, pattern);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await server.ConnectAsync(_upstream, _stop.Token);
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                }
                var doomed = new Doom();
                _ = PumpAsync(client, server, doomed, fromClient: true);
                _ = PumpAsync(server, client, doomed, fromClient: false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Doom doomed, bool fromClient)
    {
        var buffer = new byte[64 * 1024];
        var seen = new List<byte>();
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    break;
                }
                if (!fromClient && doomed.Set)
                {
                    Interlocked.Increment(ref _cuts);
                    break;
                }
                if (fromClient && Volatile.Read(ref _pattern) is { } pattern)
                {
                    // The pattern may straddle two reads: search what is left of the previous one too.
                    seen.AddRange(buffer.AsSpan(0, n));
                    if (seen.ToArray().AsSpan().IndexOf(pattern) >= 0 && Interlocked.CompareExchange(ref _pattern, null, pattern) == pattern)
                    {
                        doomed.Set = true;
                    }
                    seen.RemoveRange(0, Math.Max(0, seen.Count - pattern.Length));
                }
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The other direction closed, or the proxy stopped.
        }
        from.Dispose();
        to.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }
        _stop.Dispose();
    }

    /// <summary>Set on a connection whose next answer is to be lost.</summary>
    private sealed class Doom
    {
        public volatile bool Set;
    }
}
