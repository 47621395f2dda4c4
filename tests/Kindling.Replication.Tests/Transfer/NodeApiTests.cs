using System.Net;
using System.Text;
using Kindling.Replication.Charts;
using Kindling.Replication.Files;
using Kindling.Replication.Registry;
using Kindling.Replication.Transfer;

namespace Kindling.Replication.Tests.Transfer;

/// <summary>
/// Issue 19: the one node HTTP helper the registry, chart and object-store clients share: Basic credentials on every
/// request, one error message (what, method, URL, status, the protocol's detail bounded, the credentials hint), and
/// the error body read under the caller's token.
/// </summary>
public class NodeApiTests
{
    private static readonly Uri Base = new("http://127.0.0.1:9/some/path");

    [Fact]
    public async Task Requests_CarryBasicCredentials_RelativeToTheNodesRoot()
    {
        var handler = new Answering(_ => Answer(HttpStatusCode.OK, "{}", "application/json"));
        using var http = new HttpClient(handler);
        var client = new ChartRepositoryClient(http, Base, "admin:secret");

        await client.ListAsync(TestContext.Current.CancellationToken);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("http://127.0.0.1:9/api/charts", request.RequestUri!.ToString());
        Assert.Equal("Basic", request.Headers.Authorization!.Scheme);
        Assert.Equal("admin:secret", Encoding.UTF8.GetString(Convert.FromBase64String(request.Headers.Authorization.Parameter!)));
    }

    [Fact]
    public async Task ChartError_NamesWhatMethodUrlStatusAndBody_AndAsksForCredentialsOn401()
    {
        using var http = new HttpClient(new Answering(_ => Answer(HttpStatusCode.Unauthorized, "  no entry  ", "text/plain")));
        var client = new ChartRepositoryClient(http, Base);

        var error = await Assert.ThrowsAsync<ReplicationException>(() => client.ListAsync(TestContext.Current.CancellationToken));

        Assert.Equal("cannot list the charts: GET http://127.0.0.1:9/api/charts answered 401: no entry" + NodeApi.CredentialsHint, error.Message);
    }

    [Fact]
    public async Task LongErrorBody_IsBoundedInTheMessage()
    {
        var body = new string('x', 5000);
        using var http = new HttpClient(new Answering(_ => Answer(HttpStatusCode.InternalServerError, body, "text/plain")));
        var client = new ChartRepositoryClient(http, Base);

        var error = await Assert.ThrowsAsync<ReplicationException>(() => client.ListAsync(TestContext.Current.CancellationToken));

        Assert.EndsWith("answered 500: " + new string('x', NodeApi.MaxDetailChars), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyErrorBody_EndsAtTheStatus()
    {
        using var http = new HttpClient(new Answering(_ => Answer(HttpStatusCode.BadGateway, "", "text/plain")));
        var client = new ChartRepositoryClient(http, Base);

        var error = await Assert.ThrowsAsync<ReplicationException>(() => client.DeleteAsync("app", "1.0.0", TestContext.Current.CancellationToken));

        Assert.Equal("cannot delete chart app 1.0.0: DELETE http://127.0.0.1:9/api/charts/app/1.0.0 answered 502", error.Message);
    }

    [Fact]
    public async Task RegistryError_CarriesTheFirstOciErrorCodeAndMessage()
    {
        const string body = """{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no such tag"},{"code":"OTHER","message":"-"}]}""";
        using var http = new HttpClient(new Answering(_ => Answer(HttpStatusCode.BadRequest, body, "application/json")));
        var client = new RegistryClient(http, Base);

        var error = await Assert.ThrowsAsync<ReplicationException>(() => client.TagsAsync("library/app", TestContext.Current.CancellationToken));

        Assert.Equal("cannot list the tags of library/app: GET http://127.0.0.1:9/v2/library/app/tags/list?n=1000 answered 400: MANIFEST_UNKNOWN no such tag", error.Message);
    }

    [Fact]
    public async Task S3Error_CarriesCodeAndMessage_AndAsksForCredentialsOnlyOnARefusedWrite()
    {
        const string body = "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>";
        using var http = new HttpClient(new Answering(_ => Answer(HttpStatusCode.Forbidden, body, "application/xml")));
        var client = new ObjectStoreClient(http, Base);
        var token = TestContext.Current.CancellationToken;

        var read = await Assert.ThrowsAsync<ReplicationException>(() => client.ListAsync("kubean", token));
        var write = await Assert.ThrowsAsync<ReplicationException>(() => client.CreateBucketAsync("kubean", token));

        Assert.Equal("cannot list bucket kubean: GET http://127.0.0.1:9/kubean?list-type=2&max-keys=1000 answered 403: AccessDenied: Access Denied.", read.Message);
        Assert.Equal("cannot create bucket kubean: PUT http://127.0.0.1:9/kubean answered 403: AccessDenied: Access Denied." + NodeApi.CredentialsHint, write.Message);
    }

    [Fact]
    public async Task ErrorText_IsReadUnderTheCallersToken()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StreamContent(new EndlessSilence()) };
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var reading = NodeRequests.ErrorTextAsync(response, cancel.Token);
        Assert.False(reading.IsCompleted);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string body, string mediaType) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    /// <summary>Answers every request with <paramref name="answer"/>, recording the requests.</summary>
    private sealed class Answering(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            var response = answer(request);
            response.RequestMessage = request;
            return Task.FromResult(response);
        }
    }

    /// <summary>A body whose reads wait until cancelled (a peer that stopped sending).</summary>
    private sealed class EndlessSilence : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("reads are async");
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
