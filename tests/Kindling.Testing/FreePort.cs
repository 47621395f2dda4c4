using System.Net;
using System.Net.Sockets;

namespace Kindling.Testing;

/// <summary>Ports the OS reports free on an address, for servers a test starts.</summary>
public static class FreePort
{
    public static int Tcp(string address = "127.0.0.1")
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
