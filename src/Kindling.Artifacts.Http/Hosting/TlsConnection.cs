using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Kindling.Artifacts.Http.Hosting;

/// <summary>
/// TLS (RFC 8446) for the node's listeners, as Kestrel connection middleware. Kestrel's own HTTPS writes every
/// 4 KiB pool block to the <see cref="SslStream"/> separately — one TLS record and one send per 4 KiB — which
/// caps blob downloads; here the encrypted side is written in 64 KiB pieces (16 KiB records). ALPN offers
/// HTTP/2 and HTTP/1.1 like Kestrel does.
/// </summary>
internal static class TlsConnection
{
    private const int WriteBufferSize = 64 * 1024;

    /// <summary>
    /// AES-128-GCM first (as Go servers choose): it encrypts a third faster than AES-256-GCM, which OpenSSL clients
    /// list first, and blob downloads are bound by encryption. All are AEAD suites with forward secrecy.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static CipherSuitesPolicy CipherSuites => new(
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]);

    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(X509Certificate2 certificate, TimeSpan handshakeTimeout)
    {
        var context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            ClientCertificateRequired = false,
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
            CipherSuitesPolicy = OperatingSystem.IsLinux() ? CipherSuites : null,
        };

        return next => async connection =>
        {
            var transport = connection.Transport;
            await using var ssl = new SslStream(new DuplexStream(transport), leaveInnerStreamOpen: true);
            using (var timeout = new CancellationTokenSource(handshakeTimeout))
            {
                try
                {
                    await ssl.AuthenticateAsServerAsync(options, timeout.Token);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
                {
                    // A client that cannot or will not complete the handshake: drop the connection.
                    return;
                }
            }

            var feature = new TlsFeature(ssl);
            connection.Features.Set<ITlsConnectionFeature>(feature);
            connection.Features.Set<ITlsHandshakeFeature>(feature);
            connection.Features.Set<ITlsApplicationProtocolFeature>(feature);
            var input = PipeReader.Create(ssl, new StreamPipeReaderOptions(bufferSize: WriteBufferSize, minimumReadSize: 4096, leaveOpen: true));
            var output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(pool: MemoryPool<byte>.Shared, minimumBufferSize: WriteBufferSize, leaveOpen: true));
            connection.Transport = new Pipe(input, output);
            try
            {
                await next(connection);
            }
            finally
            {
                await input.CompleteAsync();
                await output.CompleteAsync();
                connection.Transport = transport;
            }
        };
    }

    private sealed class Pipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    private sealed class TlsFeature(SslStream ssl) : ITlsConnectionFeature, ITlsHandshakeFeature, ITlsApplicationProtocolFeature
    {
        public X509Certificate2? ClientCertificate { get; set; }

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult(ClientCertificate);

        public ReadOnlyMemory<byte> ApplicationProtocol => ssl.NegotiatedApplicationProtocol.Protocol;

        public System.Security.Authentication.SslProtocols Protocol => ssl.SslProtocol;

        public TlsCipherSuite? NegotiatedCipherSuite => ssl.NegotiatedCipherSuite;

        public string HostName => ssl.TargetHostName;

#pragma warning disable SYSLIB0058 // obsolete algorithm properties are part of the feature interface
        public System.Security.Authentication.CipherAlgorithmType CipherAlgorithm => ssl.CipherAlgorithm;
        public int CipherStrength => ssl.CipherStrength;
        public System.Security.Authentication.HashAlgorithmType HashAlgorithm => ssl.HashAlgorithm;
        public int HashStrength => ssl.HashStrength;
        public System.Security.Authentication.ExchangeAlgorithmType KeyExchangeAlgorithm => ssl.KeyExchangeAlgorithm;
        public int KeyExchangeStrength => ssl.KeyExchangeStrength;
#pragma warning restore SYSLIB0058
    }

    /// <summary>The raw connection as a Stream for <see cref="SslStream"/>: reads from its input pipe, writes to its output pipe.</summary>
    private sealed class DuplexStream(IDuplexPipe pipe) : Stream
    {
        private readonly Stream _reader = pipe.Input.AsStream(leaveOpen: true);
        private readonly Stream _writer = pipe.Output.AsStream(leaveOpen: true);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _reader.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _reader.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _reader.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => _writer.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _writer.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _writer.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => _writer.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _reader.Dispose();
                _writer.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
