using System.Globalization;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Failover;

/// <summary>
/// A small HTTPS service standing in for a bootstrap node: nginx as one process (no daemon, no workers) on
/// 127.0.0.x serving <c>/healthz</c>, with a self-signed certificate (made by openssl) for its address. It can be
/// killed by its PID (connection refused) and started again on the same address and port.
/// </summary>
internal sealed class HttpsNode : IDisposable
{
    private readonly TempDirectory _dir;
    private BackgroundProcess? _process;

    private HttpsNode(string address, int port, TempDirectory dir)
    {
        Address = address;
        Port = port;
        _dir = dir;
    }

    public string Address { get; }

    public int Port { get; }

    /// <summary>The node's certificate (its own CA: add it to the failover file's ca).</summary>
    public string CertificatePem => File.ReadAllText(_dir.File("cert.pem"));

    public static async Task<HttpsNode> StartAsync(string address, int port)
    {
        var openssl = Requires.Tool("openssl", "openssl");
        var dir = new TempDirectory("kindling-node");
        Directory.CreateDirectory(dir.File("tmp"));
        var made = await ProcessRunner.RunAsync(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", dir.File("key.pem"), "-out", dir.File("cert.pem"), "-days", "2", "-subj", $"/CN=node {address}", "-addext", $"subjectAltName=IP:{address}"]);
        Assert.True(made.ExitCode == 0, made.ToString());
        var node = new HttpsNode(address, port, dir);
        await node.RestartAsync();
        return node;
    }

    /// <summary>Kills the service: new connections are refused.</summary>
    public void Kill()
    {
        _process?.Dispose();
        _process = null;
    }

    public async Task RestartAsync()
    {
        Kill();
        var conf = _dir.Write("nginx.conf", $$"""
            daemon off;
            master_process off;
            error_log stderr warn;
            pid {{_dir.File("nginx.pid")}};
            events { worker_connections 256; }
            http {
              access_log off;
              client_body_temp_path {{_dir.File("tmp")}}; proxy_temp_path {{_dir.File("tmp")}}; fastcgi_temp_path {{_dir.File("tmp")}};
              uwsgi_temp_path {{_dir.File("tmp")}}; scgi_temp_path {{_dir.File("tmp")}};
              server {
                listen {{Address}}:{{Port.ToString(CultureInfo.InvariantCulture)}} ssl;
                ssl_certificate {{_dir.File("cert.pem")}};
                ssl_certificate_key {{_dir.File("key.pem")}};
                location = /healthz { return 200 "ok\n"; }
              }
            }
            """);
        _process = new BackgroundProcess(Requires.Tool("nginx", "nginx"), ["-c", conf, "-p", _dir.Path], _dir.Path);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(Address, Port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(20);
            }
        }

        throw new TimeoutException($"nginx did not listen on {Address}:{Port}: {_process.Output}");
    }

    public void Dispose()
    {
        Kill();
        _dir.Dispose();
    }
}
