using System.Diagnostics;
using System.Net;
using Kindling.Dns.Client;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Differential;

/// <summary>A real BIND <c>named</c> started by a test on a loopback address, stopped by its PID on dispose.</summary>
public sealed class BindProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _log = new();

    private BindProcess(Process process, IPEndPoint endpoint)
    {
        _process = process;
        EndPoint = endpoint;
    }

    public IPEndPoint EndPoint { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// The options block tests prepend to a named.conf so BIND runs unprivileged in a folder, only on loopback, and never
    /// sends NOTIFY, recurses or fetches DNSSEC trust anchors (network safety: nothing leaves loopback).
    /// </summary>
    public static string TestOptions(string directory, IPEndPoint endpoint, string extra = "") => $$"""
        options {
            directory "{{directory}}";
            listen-on port {{endpoint.Port}} { {{endpoint.Address}}; };
            listen-on-v6 { none; };
            pid-file none;
            session-keyfile "{{directory}}/session.key";
            managed-keys-directory "{{directory}}";
            recursion no;
            notify no;
            dnssec-validation no;
            trust-anchor-telemetry no;
            {{extra}}
        };
        controls { };

        """;

    /// <summary>Starts <c>named -g</c> with <paramref name="confPath"/> and waits until it answers a SOA query for <paramref name="probeZone"/>.</summary>
    public static async Task<BindProcess> StartAsync(string confPath, IPEndPoint endpoint, string probeZone)
    {
        var named = Requires.Tool("named", "bind9");
        var psi = new ProcessStartInfo(named)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-g", "-4", "-n", "1", "-c", confPath })
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start named");
        var bind = new BindProcess(process, endpoint);
        process.ErrorDataReceived += (_, e) => bind.Append(e.Data);
        process.OutputDataReceived += (_, e) => bind.Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var client = new DnsClient(endpoint, TimeSpan.FromMilliseconds(300), attempts: 1);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"named exited with {process.ExitCode}:\n{bind.Log}");
            }

            try
            {
                var answer = await client.QueryAsync(DomainName.Parse(probeZone), RecordType.SOA);
                if (answer.ResponseCode == ResponseCode.NoError && answer.Answers.Count > 0)
                {
                    return bind;
                }
            }
            catch (Exception e) when (e is TimeoutException or IOException or System.Net.Sockets.SocketException)
            {
            }

            await Task.Delay(100);
        }

        await bind.DisposeAsync();
        throw new TimeoutException($"named did not answer for {probeZone} within 20 s:\n{bind.Log}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
