using System.Net;
using System.Security.Cryptography;
using System.Text;
using Kindling.Artifacts.Content;
using Kindling.Replication.Export;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Export;

/// <summary>
/// <c>kindling package export</c> from a node whose chart list is hostile: names and versions become file names, so
/// one that is no chart name (a path, <c>..</c>) is refused with the URL, and nothing is written outside the folder.
/// </summary>
public sealed class ExportHostileSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new("kindling-export-hostile");

    [Theory]
    [InlineData("../../escaped", "1.0.0")]
    [InlineData("app", "1.0.0/../../../escaped")]
    public async Task Charts_NameOrVersionThatIsAPath_Refused_NothingWrittenOutside(string name, string version)
    {
        var (error, url) = await ExportChartsAsync((name, version));

        Assert.Contains($"{url}api/charts", error.Message, StringComparison.Ordinal);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*escaped*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Charts_TwoVersionsWithTheSameFileName_Refused_NotOneSilentlyReplacingTheOther()
    {
        var (error, _) = await ExportChartsAsync(("app", "1.0.0-2"), ("app-1.0.0", "2"));

        Assert.Contains("app-1.0.0-2.tgz", error.Message, StringComparison.Ordinal);
        Assert.Contains("app-1.0.0 2", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Exports the charts of a fake node listing these (name, version) pairs; returns the error and the node's URL.</summary>
    private async Task<(ReplicationException Error, string Url)> ExportChartsAsync(params (string Name, string Version)[] charts)
    {
        var token = TestContext.Current.CancellationToken;
        var archive = Encoding.ASCII.GetBytes("not really a chart, only bytes with a digest");
        var digest = Convert.ToHexStringLower(SHA256.HashData(archive));
        var list = "{" + string.Join(",", charts.Select(c => $$$"""
            "{{{c.Name}}}":[{"version":"{{{c.Version}}}","digest":"{{{digest}}}","urls":["charts/x.tgz"]}]
            """)) + "}";
        var port = FreePort.Tcp();
        var url = $"http://127.0.0.1:{port}/";
        using var listener = new HttpListener();
        listener.Prefixes.Add(url);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                var body = context.Request.Url!.AbsolutePath switch
                {
                    "/kindling/v1/info" => Encoding.UTF8.GetBytes($$$"""{"name":"hostile","services":{"charts":"{{{url}}}"}}"""),
                    "/api/charts" => Encoding.UTF8.GetBytes(list),
                    "/charts/x.tgz" => archive,
                    _ => null,
                };
                context.Response.StatusCode = body is null ? 404 : 200;
                context.Response.OutputStream.Write(body ?? []);
                context.Response.Close();
            }
        }, token);

        var error = await Assert.ThrowsAsync<ReplicationException>(() => NodeExport.RunAsync(new ExportOptions
        {
            From = new Uri(url),
            Directory = Path.Combine(_dir.Path, "a", "b", "package"),
            Only = new HashSet<ContentKind> { ContentKind.Charts },
        }, token));

        listener.Stop();
        await serving;
        return (error, url);
    }

    public void Dispose() => _dir.Dispose();
}
