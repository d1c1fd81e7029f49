using System.IO.Compression;
using System.Net;
using System.Net.Sockets;

namespace FinScale.IntegrationTests.Interop;

/// <summary>One POST an OTLP/HTTP exporter made, as it arrived.</summary>
/// <param name="Path">The request path, e.g. <c>/v1/metrics</c>.</param>
/// <param name="ContentType">The Content-Type header.</param>
/// <param name="ContentEncoding">The Content-Encoding header, or null.</param>
/// <param name="Body">The body as sent (still compressed when <paramref name="ContentEncoding"/> says so).</param>
internal sealed record CapturedOtlpRequest(string Path, string? ContentType, string? ContentEncoding, byte[] Body)
{
    /// <summary>The protobuf message: the body, gunzipped when the exporter compressed it.</summary>
    public byte[] Payload()
    {
        if (ContentEncoding is null || ContentEncoding.Length == 0 || ContentEncoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            return Body;
        if (!ContentEncoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
            throw new NotSupportedException($"Content-Encoding '{ContentEncoding}' is not one an OTLP exporter uses");
        using var gzip = new GZipStream(new MemoryStream(Body), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }
}

/// <summary>
/// A stand-in OTLP/HTTP receiver on a free localhost port: keeps every POST body and answers 200 with an empty protobuf
/// body (an empty <c>Export*ServiceResponse</c>, i.e. full success). A request is stored before it is answered, so
/// once an exporter's synchronous export (a provider's <c>ForceFlush</c>) returns, its body is here.
/// </summary>
internal sealed class OtlpHttpCapture : IAsyncDisposable
{
    private const string ProtobufContentType = "application/x-protobuf";

    private readonly HttpListener _listener;
    private readonly Task _serving;
    private readonly Lock _gate = new();
    private readonly List<CapturedOtlpRequest> _requests = [];

    private OtlpHttpCapture(HttpListener listener, Uri baseAddress)
    {
        _listener = listener;
        BaseAddress = baseAddress;
        _serving = ServeAsync();
    }

    /// <summary>Where the receiver listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The metrics endpoint, given to an exporter as its full signal URL.</summary>
    public Uri MetricsEndpoint => new(BaseAddress, "v1/metrics");

    /// <summary>The traces endpoint, given to an exporter as its full signal URL.</summary>
    public Uri TracesEndpoint => new(BaseAddress, "v1/traces");

    /// <summary>Starts listening on a free loopback port.</summary>
    public static OtlpHttpCapture Start()
    {
        // A port is free when asked and may be taken before HttpListener binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var baseAddress = new Uri($"http://127.0.0.1:{port}/");
            var listener = new HttpListener();
            listener.Prefixes.Add(baseAddress.ToString());
            try
            {
                listener.Start();
                return new OtlpHttpCapture(listener, baseAddress);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    /// <summary>The requests received on <paramref name="path"/> so far, in arrival order.</summary>
    public IReadOnlyList<CapturedOtlpRequest> Received(string path)
    {
        lock (_gate)
            return _requests.Where(r => r.Path == path).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving.ConfigureAwait(false);
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when ((ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) && !_listener.IsListening)
            {
                return; // stopped
            }

            await AnswerAsync(context).ConfigureAwait(false);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            if (request.HttpMethod != "POST")
            {
                response.StatusCode = (int)HttpStatusCode.MethodNotAllowed;
                return;
            }

            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body).ConfigureAwait(false);
            lock (_gate)
                _requests.Add(new CapturedOtlpRequest(request.Url!.AbsolutePath, request.ContentType, request.Headers["Content-Encoding"], body.ToArray()));

            response.StatusCode = (int)HttpStatusCode.OK;
            response.ContentType = ProtobufContentType;
            response.ContentLength64 = 0;
        }
        catch (HttpListenerException)
        {
            // The client went away mid-request; its exporter counts the failure, nothing here to keep.
        }
        finally
        {
            response.Close();
        }
    }
}
