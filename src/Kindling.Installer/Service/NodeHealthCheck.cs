using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Kindling.Installer.Service;

/// <summary>
/// Asks a node's <c>/healthz</c> over HTTPS, trusting only the installation's CA (never the machine's roots),
/// retrying until it answers 200 or the deadline passes.
/// </summary>
public static class NodeHealthCheck
{
    public static HttpClient CreateClient(X509Certificate2 trustedRoot, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(trustedRoot);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        return new HttpClient(handler) { Timeout = timeout };
    }

    /// <summary>Waits for <c>GET https://ADDRESS:PORT/healthz</c> to answer 200; returns the last failure otherwise.</summary>
    public static async Task<string?> WaitHealthyAsync(IPAddress address, int port, X509Certificate2 trustedRoot, TimeSpan deadline, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        using var client = CreateClient(trustedRoot, TimeSpan.FromSeconds(3));
        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        var url = new Uri($"https://{host}:{port}/healthz");
        var started = time.GetTimestamp();
        string failure = "no attempt";
        while (time.GetElapsedTime(started) < deadline)
        {
            try
            {
                using var response = await client.GetAsync(url, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return null;
                }

                failure = $"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
            }
            catch (HttpRequestException e)
            {
                failure = $"{url}: {e.Message}";
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"{url}: no answer within 3 s";
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
        }

        return failure;
    }
}
