using System.Net;
using System.Net.Sockets;

namespace WeCompany.Server.Tests.Infrastructure;

/// <summary>Free loopback ports for the servers tests start (coturn, cluster nodes, nginx).</summary>
public static class Ports
{
    public static int FreeTcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A port free for both UDP and TCP (coturn and the SFU bind one number on both).</summary>
    public static int FreeUdpAndTcp()
    {
        for (var attempt = 0; ; attempt++)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
                // Taken for UDP: try another.
            }
        }
    }

    public static bool IsListening(int port)
    {
        try
        {
            using var probe = new TcpClient();
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
