using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;
using static Kindling.Artifacts.Http.Tests.Support.RegistryClient;

namespace Kindling.Artifacts.Http.Tests.Hosting;

/// <summary>
/// Issue 13, item 1: wrong passwords must not buy CPU. Each bcrypt check costs about 150 ms of a core, so before
/// the login gate 16 connections sending wrong passwords made /healthz answer 503 and pulls take seconds.
/// </summary>
public class LoginFloodTests
{
    private const string Name = "library/flooded";
    private const int FloodConnections = 16;
    private const int LayerBytes = 2 * 1024 * 1024;
    private const int Rounds = 4;

    [Fact]
    public async Task WrongPasswordFlood_HealthzStays200_RightAndAnonymousPullsWithinTwiceIdle()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var node = await NodeFixture.StartAsync();
        var manifest = await PushImageAsync(node, Name, "v1", layerText: new string('x', LayerBytes));
        var layer = JsonDocument.Parse(manifest).RootElement.GetProperty("layers")[0].GetProperty("digest").GetString()!;
        using var client = TestPki.Shared.CreateClient();

        // The right password is known to the node after the push (one bcrypt check). Idle first, then flood, in
        // alternating rounds: the machine's other load (the suite runs beside other work) then weighs on both alike.
        await PullAsync(node, client, layer, authenticated: true, cancel);
        var checksBefore = await ChecksAsync(node, client, cancel);
        var flooding = new Flooding();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var flood = Enumerable.Range(0, FloodConnections).Select(i => FloodAsync(node, flooding, randomPasswords: i % 2 == 0, stop.Token)).ToArray();
        var health = PollHealthAsync(node, stop.Token);
        List<TimeSpan> idleRight = [], idleAnonymous = [], floodRight = [], floodAnonymous = [];
        for (var round = 0; round < Rounds; round++)
        {
            flooding.On = false;
            await Task.Delay(TimeSpan.FromMilliseconds(300), cancel);
            idleRight.AddRange(await PullTimesAsync(node, client, layer, authenticated: true, cancel));
            idleAnonymous.AddRange(await PullTimesAsync(node, client, layer, authenticated: false, cancel));
            flooding.On = true;
            await Task.Delay(TimeSpan.FromMilliseconds(700), cancel);
            floodRight.AddRange(await PullTimesAsync(node, client, layer, authenticated: true, cancel));
            floodAnonymous.AddRange(await PullTimesAsync(node, client, layer, authenticated: false, cancel));
        }

        await stop.CancelAsync();
        var statuses = (await Task.WhenAll(flood)).SelectMany(s => s).ToList();
        var healthAnswers = await health;
        var checks = await ChecksAsync(node, client, cancel) - checksBefore;
        var (idleRightMedian, idleAnonymousMedian, floodRightMedian, floodAnonymousMedian) = (Median(idleRight), Median(idleAnonymous), Median(floodRight), Median(floodAnonymous));

        var summary = $"pull medians: idle right {idleRightMedian.TotalMilliseconds:F1} ms, flood right {floodRightMedian.TotalMilliseconds:F1} ms; "
            + $"idle anonymous {idleAnonymousMedian.TotalMilliseconds:F1} ms, flood anonymous {floodAnonymousMedian.TotalMilliseconds:F1} ms; {statuses.Count} wrong-password requests ({string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Count()}x {g.Key}"))}); "
            + $"{checks} bcrypt checks; /healthz: {string.Join(", ", healthAnswers.GroupBy(h => h).Select(g => $"{g.Count()}x {g.Key}"))}";
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        Assert.True(statuses.Count > 200, summary);
        Assert.All(statuses, s => Assert.Contains(s, new[] { 401, 429 }));
        Assert.True(healthAnswers.Count >= 20, summary);
        Assert.All(healthAnswers, h => Assert.Equal("200", h));
        // 5 free failures per client, then back-off (1 s, 2 s, 4 s, ...): a handful of checks, not hundreds.
        Assert.True(checks <= 12, summary);
        Assert.True(floodRightMedian <= 2 * idleRightMedian, summary);
        Assert.True(floodAnonymousMedian <= 2 * idleAnonymousMedian, summary);
    }

    [Fact]
    public async Task WrongPassword_OnAnonymousRead_401_ThenThrottled429WithRetryAfter_AnonymousStillServed()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var node = await NodeFixture.StartAsync();
        await PushImageAsync(node, Name, "v1");
        using var client = TestPki.Shared.CreateClient();

        var codes = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 6; i++)
        {
            last?.Dispose();
            last = await client.SendAsync(Wrong(node, $"/v2/{Name}/manifests/v1", $"guess-{i}"), cancel);
            codes.Add(last.StatusCode);
        }

        using var anonymous = await client.GetAsync($"{node.RegistryUrl}/v2/{Name}/manifests/v1", cancel);
        using var right = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/manifests/v1", authenticated: true);
        using var charts = await client.SendAsync(WrongCharts(node), cancel);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), codes.Take(5));
        Assert.Equal(HttpStatusCode.TooManyRequests, codes[5]);
        Assert.Equal("TOOMANYREQUESTS", await ErrorCodeAsync(last!));
        Assert.True(last!.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), last.Headers.ToString());
        last.Dispose();
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        // The right password, known from the push, is still served to the client that is backing off.
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, charts.StatusCode);
    }

    private static HttpRequestMessage Wrong(NodeFixture node, string path, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, node.RegistryUrl + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{node.User}:{password}")));
        return request;
    }

    private static HttpRequestMessage WrongCharts(NodeFixture node)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, $"https://127.0.0.1:{node.ChartsPort}/api/charts/x/1.0.0");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{node.User}:another-guess")));
        return request;
    }

    /// <summary>One connection sending wrong passwords, 5 a second (the rate that took a node down before); returns the statuses it got.</summary>
    private static async Task<List<int>> FloodAsync(NodeFixture node, Flooding flooding, bool randomPasswords, CancellationToken stop)
    {
        using var client = TestPki.Shared.CreateClient();
        var statuses = new List<int>();
        while (!stop.IsCancellationRequested)
        {
            if (!flooding.On)
            {
                await Task.Delay(50, CancellationToken.None);
                continue;
            }

            var password = randomPasswords ? Guid.NewGuid().ToString("N") : "always-the-same-wrong-one";
            try
            {
                using var response = await client.SendAsync(Wrong(node, $"/v2/{Name}/manifests/v1", password), stop);
                statuses.Add((int)response.StatusCode);
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        return statuses;
    }

    /// <summary>
    /// /healthz every 100 ms with a 500 ms timeout, checked as Kindling's failover monitor checks a node: a timed-out
    /// probe is re-probed (twice, 100 ms apart) before the check counts as failed, so one request starved by the
    /// machine's other load (the suite runs test projects side by side on two cores) is not taken for the node's
    /// failure, while any non-200 answer counts at once. An answer is the status code, "timeout" for a failed check,
    /// and "200 after a re-probe" is counted as 200 with the re-probe noted.
    /// </summary>
    private static async Task<List<string>> PollHealthAsync(NodeFixture node, CancellationToken stop)
    {
        using var client = TestPki.Shared.CreateClient();
        client.Timeout = TimeSpan.FromMilliseconds(500);
        var answers = new List<string>();
        var reprobes = 0;
        while (!stop.IsCancellationRequested)
        {
            var answer = "timeout";
            for (var attempt = 0; attempt < 3; attempt++)
            {
                try
                {
                    using var response = await client.GetAsync($"{node.RegistryUrl}/healthz", CancellationToken.None);
                    answer = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    break;
                }
                catch (TaskCanceledException)
                {
                    reprobes += attempt < 2 ? 1 : 0;
                    await Task.Delay(100, CancellationToken.None);
                }
            }

            answers.Add(answer);
            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"/healthz re-probes after a timeout: {reprobes}");
        return answers;
    }

    private static async Task<List<TimeSpan>> PullTimesAsync(NodeFixture node, HttpClient client, string layer, bool authenticated, CancellationToken cancel)
    {
        var times = new List<TimeSpan>();
        for (var i = 0; i < 10; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await PullAsync(node, client, layer, authenticated, cancel);
            times.Add(Stopwatch.GetElapsedTime(start));
        }

        return times;
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);

    private sealed class Flooding
    {
        public volatile bool On;
    }

    private static async Task PullAsync(NodeFixture node, HttpClient client, string layer, bool authenticated, CancellationToken cancel)
    {
        var get = node.Request(HttpMethod.Get, $"/v2/{Name}/manifests/v1", authenticated);
        get.Headers.Accept.ParseAdd(OciManifest);
        using (var response = await client.SendAsync(get, cancel))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsByteArrayAsync(cancel);
        }

        using (var blob = await client.SendAsync(node.Request(HttpMethod.Get, $"/v2/{Name}/blobs/{layer}", authenticated), cancel))
        {
            Assert.Equal(HttpStatusCode.OK, blob.StatusCode);
            Assert.Equal(LayerBytes, (await blob.Content.ReadAsByteArrayAsync(cancel)).Length);
        }
    }

    private static async Task<long> ChecksAsync(NodeFixture node, HttpClient client, CancellationToken cancel)
    {
        var text = await client.GetStringAsync($"{node.RegistryUrl}/metrics", cancel);
        var line = text.Split('\n').Single(l => l.StartsWith("kindling_login_checks_total ", StringComparison.Ordinal));
        return long.Parse(line["kindling_login_checks_total ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
