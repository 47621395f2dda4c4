using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Console;

/// <summary>
/// Debian's headless <c>chromium</c>, driven over the DevTools protocol (CDP) with a small client on
/// <see cref="ClientWebSocket"/>: one page, its console errors and uncaught exceptions, every request it makes, DOM
/// reads by <c>Runtime.evaluate</c>, the viewport size and screenshots. Started with its own profile folder and a
/// debugging port chosen by the browser (read from its stderr); killed with its children on dispose.
/// </summary>
internal sealed partial class Chromium : IAsyncDisposable
{
    private readonly TempDirectory _profile;
    private readonly BackgroundProcess _process;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _receiving;
    private int _nextId;

    private Chromium(TempDirectory profile, BackgroundProcess process)
    {
        _profile = profile;
        _process = process;
    }

    /// <summary>Console errors, uncaught exceptions and error log entries of the page.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>Every URL the page requested (Network.requestWillBeSent).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Main-frame navigations (a reload would add one).</summary>
    public int Navigations => _navigations;

    private int _navigations;

    public static async Task<Chromium> StartAsync()
    {
        var chromium = Requires.Tool("chromium", "chromium");
        var profile = new TempDirectory("kindling-chromium");
        string[] args =
        [
            "--headless=new", "--remote-debugging-port=0", $"--user-data-dir={profile.Path}", "--disable-gpu",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
            .. Environment.UserName == "root" ? new[] { "--no-sandbox" } : [],
            "about:blank",
        ];
        var process = BackgroundProcess.Start(chromium, args);
        var browser = new Chromium(profile, process);
        try
        {
            await process.WaitForOutputAsync("DevTools listening on ws://", TimeSpan.FromSeconds(60));
            var port = DevToolsPort().Match(process.Output).Groups[1].Value;
            using var http = new HttpClient();
            var targets = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list")))!.AsArray();
            var page = targets.First(t => (string?)t!["type"] == "page")!;
            await browser._socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), CancellationToken.None);
            browser._receiving = browser.ReceiveAsync();
            foreach (var domain in new[] { "Runtime", "Log", "Network", "Page" })
            {
                await browser.SendAsync($"{domain}.enable");
            }

            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>The browser's stderr and stdout (for failure messages).</summary>
    public string Output => _process.Output;

    /// <summary>Sends a CDP command and waits for its result; a CDP error throws.</summary>
    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        return await answer.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Sets the viewport (CSS pixels) as a phone (touch, mobile) or a desktop window.</summary>
    public Task ViewportAsync(int width, int height, bool mobile) => SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
    {
        ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = mobile,
    });

    public async Task NavigateAsync(Uri url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await EvaluateAsync<string>("document.readyState") != "complete")
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{url} did not load");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its value (JSON-converted).</summary>
    public async Task<T?> EvaluateAsync<T>(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            throw new InvalidOperationException($"{expression}: {exception}");
        }

        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var v) ? v.Deserialize<T>() : default;
    }

    /// <summary>Waits until the expression is true in the page; returns false when the time runs out.</summary>
    public async Task<bool> WaitForAsync(string condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        do
        {
            if (await EvaluateAsync<bool>($"!!({condition})"))
            {
                return true;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }

    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        return Convert.FromBase64String(result.GetProperty("data").GetString()!);
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                using (var json = JsonDocument.Parse(message.ToArray()))
                {
                    Dispatch(json.RootElement);
                }

                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The browser went away or the test is over.
        }
        finally
        {
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new InvalidOperationException("the DevTools connection closed"));
            }
        }
    }

    private void Dispatch(JsonElement message)
    {
        if (message.TryGetProperty("id", out var id))
        {
            if (_pending.TryRemove(id.GetInt32(), out var answer))
            {
                if (message.TryGetProperty("error", out var error))
                {
                    answer.TrySetException(new InvalidOperationException($"CDP error: {error}"));
                }
                else
                {
                    answer.TrySetResult(message.GetProperty("result").Clone());
                }
            }

            return;
        }

        var parameters = message.TryGetProperty("params", out var p) ? p : default;
        switch (message.GetProperty("method").GetString())
        {
            case "Runtime.exceptionThrown":
                Errors.Enqueue("exception: " + parameters.GetProperty("exceptionDetails"));
                break;
            case "Runtime.consoleAPICalled" when parameters.GetProperty("type").GetString() is "error" or "assert":
                Errors.Enqueue("console.error: " + parameters.GetProperty("args"));
                break;
            case "Log.entryAdded" when parameters.GetProperty("entry").GetProperty("level").GetString() == "error":
                Errors.Enqueue("log: " + parameters.GetProperty("entry"));
                break;
            case "Network.requestWillBeSent":
                Requests.Enqueue(parameters.GetProperty("request").GetProperty("url").GetString()!);
                break;
            case "Page.frameNavigated" when !parameters.GetProperty("frame").TryGetProperty("parentId", out _):
                Interlocked.Increment(ref _navigations);
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_receiving is not null)
        {
            await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _socket.Dispose();
        _process.Dispose();
        _stop.Dispose();
        _profile.Dispose();
    }

    [GeneratedRegex(@"DevTools listening on ws://127\.0\.0\.1:(\d+)/")]
    private static partial Regex DevToolsPort();
}
