using System.Net;
using System.Net.Sockets;

namespace Kindling.Testing;

/// <summary>Ports the OS reports free on an address, for servers a test starts.</summary>
public static class FreePort
{
    // The OS may hand the same ephemeral port out again once it is released; a test that asks for three ports for one
    // server (registry, charts, files) must get three different ones, so no port is handed out twice in a process.
    private static readonly HashSet<int> Given = [];

    public static int Tcp(string address = "127.0.0.1")
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Parse(address), 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Given)
            {
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("no free TCP port that this process has not handed out already");
    }

    /// <summary>A port free for both TCP and UDP (DNS servers need both).</summary>
    public static int TcpAndUdp(string address = "127.0.0.1")
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = Tcp(address);
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Parse(address), port));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free TCP+UDP port");
    }
}
