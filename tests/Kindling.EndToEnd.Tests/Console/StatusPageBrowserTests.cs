using System.Diagnostics;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Console;

/// <summary>
/// The status page in a real browser (headless chromium over the DevTools protocol) on a DNS server with two real
/// nodes: it names the primary; after the primary is killed it shows the backup within 2 s without a reload; after
/// the primary is back it shows the failback with its reason. No console error, no request to another host, and it
/// fits a phone's width. Screenshots (1280×800, 390×844) go to TestResults/console/ and the test's attachments.
/// </summary>
public sealed class StatusPageBrowserTests
{
    private const string Record = "[data-record=\"www.tinder-node-server.com.\"]";
    private const string Active = $"document.querySelector('{Record} [data-field=active]')?.textContent";

    [Fact]
    public async Task StatusPage_FollowsAFailoverAndTheFailback_Live_WithoutErrorsOrForeignRequests()
    {
        await using var lab = await ConsoleLab.StartAsync();
        await using var browser = await Chromium.StartAsync();
        await browser.ViewportAsync(1280, 800, mobile: false);
        await browser.NavigateAsync(lab.StatusUrl);

        Assert.True(await browser.WaitForAsync($"{Active} === 'primary'", TimeSpan.FromSeconds(10)), await DescribeAsync(browser, lab));
        Assert.Equal("up", await browser.EvaluateAsync<string>($"document.querySelector('{Record} [data-side=primary] [data-field=state]').textContent"));
        Assert.True(await browser.WaitForAsync($"document.querySelectorAll('{Record} [data-side=primary] [data-field=timeline] span.ok').length >= 3", TimeSpan.FromSeconds(5)));
        await browser.EvaluateAsync<int>("window.kindlingTestMarker = 18"); // a reload would lose it
        var navigations = browser.Navigations;

        await lab.KillPrimaryAsync();
        var killed = Stopwatch.StartNew();
        var switched = await browser.WaitForAsync($"{Active} === 'backup'", TimeSpan.FromSeconds(2));
        var took = killed.Elapsed;
        Assert.True(switched, $"the page did not show the backup within 2 s of the kill\n{await DescribeAsync(browser, lab)}");
        Assert.Equal(18, await browser.EvaluateAsync<int>("window.kindlingTestMarker"));
        Assert.Equal(navigations, browser.Navigations);
        Assert.True(await browser.WaitForAsync($"document.querySelector('{Record} [data-side=primary] [data-field=timeline] span.fail')", TimeSpan.FromSeconds(2)));
        Assert.Contains("primary down after 2 consecutive failed checks",
            await browser.EvaluateAsync<string>($"document.querySelector('{Record} [data-field=transitions] li').textContent"), StringComparison.Ordinal);
        await SaveScreenshotAsync(browser, "failed-over-1280x800.png");
        TestContext.Current.TestOutputHelper?.WriteLine($"the page showed the backup {took.TotalMilliseconds:0} ms after the kill");

        await lab.StartPrimaryAsync();
        Assert.True(await browser.WaitForAsync($"{Active} === 'primary'", TimeSpan.FromSeconds(30)), await DescribeAsync(browser, lab));
        var failback = await browser.EvaluateAsync<string>($"document.querySelector('{Record} [data-field=transitions] li').textContent");
        Assert.Contains("backup → primary", failback, StringComparison.Ordinal);
        Assert.Contains("the 2 s hold-down has passed; primary and backup report the same content digest", failback, StringComparison.Ordinal);
        Assert.Equal(18, await browser.EvaluateAsync<int>("window.kindlingTestMarker"));
        Assert.Equal(navigations, browser.Navigations);
        await SaveScreenshotAsync(browser, "failed-back-1280x800.png");

        await browser.ViewportAsync(390, 844, mobile: true);
        await Task.Delay(700, TestContext.Current.CancellationToken); // a poll re-renders at the new width
        var overflow = await browser.EvaluateAsync<int>("document.documentElement.scrollWidth");
        await SaveScreenshotAsync(browser, "failed-back-390x844.png");
        Assert.True(overflow <= 390, $"the page is {overflow} px wide on a 390 px screen (it scrolls sideways)");

        Assert.Empty(browser.Errors);
        var origin = lab.StatusUrl.GetLeftPart(UriPartial.Authority);
        Assert.NotEmpty(browser.Requests);
        Assert.All(browser.Requests, url => Assert.True(url.StartsWith(origin + "/", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), url));
    }

    [Fact]
    public async Task NodePage_ShowsVersionDigestReplicationDiskAndCertificate_WithoutErrorsOrForeignRequests()
    {
        await using var lab = await ConsoleLab.StartAsync();
        await using var browser = await Chromium.StartAsync();
        await browser.ViewportAsync(390, 844, mobile: true);
        var page = new Uri(lab.NodeUrl(ConsoleLab.BackupAddress) + "/kindling/");
        await browser.SendAsync("Security.setIgnoreCertificateErrors", new System.Text.Json.Nodes.JsonObject { ["ignore"] = true }); // the lab's CA is not the browser's
        await browser.NavigateAsync(page);

        Assert.True(await browser.WaitForAsync("document.querySelector('[data-field=replication]')?.textContent === 'ok'", TimeSpan.FromSeconds(15)), await DescribeAsync(browser, lab));
        var digest = await lab.GetAsync(lab.NodeUrl(ConsoleLab.BackupAddress) + "/kindling/v1/content-digest");
        Assert.Contains(await browser.EvaluateAsync<string>("document.querySelector('[data-field=digest]').textContent") ?? "?", digest, StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+\.\d+", await browser.EvaluateAsync<string>("document.querySelector('[data-field=version]').textContent"));
        Assert.Contains("free of", await browser.EvaluateAsync<string>("document.querySelector('[data-field=disk]').textContent"), StringComparison.Ordinal);
        Assert.Contains("days left", await browser.EvaluateAsync<string>("document.querySelector('[data-field=certificate]').textContent"), StringComparison.Ordinal);
        await SaveScreenshotAsync(browser, "node-backup-390x844.png");
        Assert.True(await browser.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 390);

        Assert.Empty(browser.Errors);
        var origin = page.GetLeftPart(UriPartial.Authority);
        Assert.All(browser.Requests, url => Assert.True(url.StartsWith(origin + "/", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), url));
    }

    private static async Task SaveScreenshotAsync(Chromium browser, string name)
    {
        var png = await browser.ScreenshotAsync();
        var folder = Path.Combine(Repository.Root, "TestResults", "console");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        await File.WriteAllBytesAsync(path, png, TestContext.Current.CancellationToken);
        TestContext.Current.AddAttachment(name, png, "image/png");
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
    }

    private static async Task<string> DescribeAsync(Chromium browser, ConsoleLab lab)
    {
        string text;
        try
        {
            text = await browser.EvaluateAsync<string>("document.body.innerText") ?? "";
        }
        catch (InvalidOperationException e)
        {
            text = e.Message;
        }

        return $"--- page ---\n{text}\n--- errors ---\n{string.Join('\n', browser.Errors)}\n{lab.Output}";
    }
}
