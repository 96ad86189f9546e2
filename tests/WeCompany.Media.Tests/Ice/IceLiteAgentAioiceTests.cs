using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using WeCompany.Media.Ice;

namespace WeCompany.Media.Tests.Ice;

// A real, independent ICE implementation (aioice, Debian's python3-aioice, the ICE agent of aiortc)
// as the controlling full agent against our lite agent.
[Trait("Category", "RealPeer")]
public sealed class IceLiteAgentAioiceTests
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // Connects as the controlling agent to one host candidate, then sends one RTP-looking datagram.
    // (aioice 0.8: add_remote_candidate is a coroutine.)
    private const string ClientScript = """
        import asyncio, sys
        import aioice
        import aioice.ice

        # aioice skips 127.0.0.1 when it gathers host candidates; keep the test on loopback by giving it 127.0.0.2.
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.2"]

        async def main():
            ufrag, pwd, host, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
            connection = aioice.Connection(ice_controlling=True, components=1, use_ipv4=True, use_ipv6=False)
            await connection.gather_candidates()
            connection.remote_username = ufrag
            connection.remote_password = pwd
            connection.remote_is_lite = True
            await connection.add_remote_candidate(aioice.Candidate(
                foundation="1", component=1, transport="udp", priority=2130706431,
                host=host, port=port, type="host"))
            await connection.add_remote_candidate(None)
            await asyncio.wait_for(connection.connect(), 10)
            await connection.send(bytes([0x80, 96]) + bytes(18))
            await asyncio.sleep(0.2)
            await connection.close()
            print("connected")

        asyncio.run(main())
        """;

    [Fact]
    public async Task AioiceConnectsToTheLiteAgentAndItsMediaMapsToTheSession()
    {
        Assert.True(File.Exists(Python) && Directory.Exists("/usr/lib/python3/dist-packages/aioice"),
            "This test needs Debian's python3-aioice: apt-get install -y python3-aioice");
        // Loopback only: 127.0.0.0/8 all lives on lo; aioice gathers 127.0.0.2 (the script replaces its discovery).
        var hostAddress = IPAddress.Parse("127.0.0.3");
        var agent = new IceLiteAgent();
        var session = agent.CreateSession();
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(new IPEndPoint(hostAddress, 0));
        var port = ((IPEndPoint)server.LocalEndPoint!).Port;
        using var cancel = new CancellationTokenSource(Timeout);

        var mediaArrived = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var serverLoop = Task.Run(async () =>
        {
            var buffer = new byte[1500];
            var response = new byte[1500];
            var source = new SocketAddress(AddressFamily.InterNetwork);
            while (!cancel.IsCancellationRequested)
            {
                var received = await server.ReceiveFromAsync(buffer, SocketFlags.None, source, cancel.Token);
                if (PacketClassifier.Classify(buffer.AsSpan(0, received)) == PacketKind.Stun)
                {
                    var result = agent.HandleStun(buffer.AsSpan(0, received), source, response);
                    if (result.ResponseLength > 0)
                    {
                        await server.SendToAsync(response.AsMemory(0, result.ResponseLength), SocketFlags.None, source, cancel.Token);
                    }
                }
                else if (agent.TryGetSession(source, out var owner))
                {
                    mediaArrived.TrySetResult(owner == session);
                    return;
                }
            }
        }, cancel.Token);

        var script = Path.Combine(Path.GetTempPath(), $"aioice-client-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, ClientScript, cancel.Token);
        try
        {
            var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { script, session.LocalCredentials.Ufrag, session.LocalCredentials.Password, hostAddress.ToString(), port.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            using var client = Process.Start(start)!;
            var output = client.StandardOutput.ReadToEndAsync(cancel.Token);
            var errors = client.StandardError.ReadToEndAsync(cancel.Token);
            try
            {
                await client.WaitForExitAsync(cancel.Token);
            }
            finally
            {
                if (!client.HasExited)
                {
                    client.Kill(entireProcessTree: true);
                }
            }

            Assert.True(client.ExitCode == 0, await errors);
            Assert.Contains("connected", await output, StringComparison.Ordinal);
            Assert.True(await mediaArrived.Task.WaitAsync(Timeout));
            Assert.Equal(IceSessionState.Selected, session.State);
        }
        finally
        {
            File.Delete(script);
            await cancel.CancelAsync();
            await Task.WhenAny(serverLoop, Task.Delay(Timeout));
        }
    }
}
