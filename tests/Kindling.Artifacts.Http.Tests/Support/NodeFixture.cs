using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kindling.Artifacts.Http.Hosting;
using Kindling.Testing;
using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Http.Tests.Support;

/// <summary>A node server in this process on 127.0.0.1 with free ports and a fresh data folder, plus a client.</summary>
internal sealed class NodeFixture : IAsyncDisposable
{
    private NodeFixture(TempDirectory data, NodeHost host, int registry, int charts, int files, LogSink logs)
    {
        Data = data;
        Host = host;
        RegistryPort = registry;
        ChartsPort = charts;
        FilesPort = files;
        Logs = logs;
        Client = TestPki.Shared.CreateClient();
        var line = File.ReadAllText(Path.Combine(data.Path, "admin-credentials")).Trim();
        User = line[..line.IndexOf(':', StringComparison.Ordinal)];
        Password = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..];
    }

    public TempDirectory Data { get; }
    public NodeHost Host { get; }
    public int RegistryPort { get; }
    public int ChartsPort { get; }
    public int FilesPort { get; }
    public LogSink Logs { get; }
    public HttpClient Client { get; }
    public string User { get; }
    public string Password { get; }

    /// <summary><c>127.0.0.1:PORT</c>, as image references name the registry.</summary>
    public string Registry => $"127.0.0.1:{RegistryPort}";

    public string RegistryUrl => $"https://{Registry}";

    public string Credentials => $"{User}:{Password}";

    public static async Task<NodeFixture> StartAsync(TempDirectory? data = null, Func<NodeHostOptions, NodeHostOptions>? configure = null)
    {
        data ??= new TempDirectory("kindling-node");
        var logs = new LogSink();
        for (var attempt = 0; ; attempt++)
        {
            int registry = FreePort.Tcp(), charts = FreePort.Tcp(), files = FreePort.Tcp();
            try
            {
                var options = new NodeHostOptions
                {
                    DataDirectory = data.Path,
                    Certificate = TestPki.Shared.LocalNode,
                    Address = IPAddress.Loopback,
                    RegistryPort = registry,
                    ChartsPort = charts,
                    FilesPort = files,
                    NodeName = "test-node",
                    AdvertisedAddresses = ["127.0.0.1"],
                    ConfigureLogging = b => b.AddProvider(logs),
                    ShutdownTimeout = TimeSpan.FromSeconds(5),
                };
                var host = await NodeHost.StartAsync(configure?.Invoke(options) ?? options);
                return new NodeFixture(data, host, registry, charts, files, logs);
            }
            catch (IOException) when (attempt < 3)
            {
                // A port taken between FreePort and bind: try others.
            }
        }
    }

    public HttpRequestMessage Request(HttpMethod method, string pathAndQuery, bool authenticated = false, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, RegistryUrl + pathAndQuery) { Content = content };
        if (authenticated)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Credentials)));
        }

        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, bool authenticated = false, HttpContent? content = null) =>
        Client.SendAsync(Request(method, pathAndQuery, authenticated, content), TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.StopAsync();
        await Host.DisposeAsync();
        Data.Dispose();
    }
}

/// <summary>Collects log lines so tests can check that refusals are logged.</summary>
internal sealed class LogSink : ILoggerProvider
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToList();
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (sink._lines)
            {
                sink._lines.Add($"{logLevel} {category}: {formatter(state, exception)}");
            }
        }
    }
}
