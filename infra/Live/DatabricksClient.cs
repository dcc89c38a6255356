using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DatabricksAccess.Live.Api;

namespace DatabricksAccess.Live;

/// <summary>How patient the client is. The defaults suit a real workspace; tests inject short ones.</summary>
public sealed record ClientOptions
{
    /// <summary>Each call (one attempt: request and body) must finish within this.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A cap on attempts per call, besides the window (the SDK has none: it retries until the timeout
    /// [fact: sdk-retry-policy]). The default leaves the window alone to decide.
    /// </summary>
    public int MaxAttempts { get; init; } = int.MaxValue;

    /// <summary>How long one call may keep retrying: the SDK's defaultRetryTimeout, 5 minutes [fact: sdk-retry-policy].</summary>
    public TimeSpan RetryWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The linear step between attempts without Retry-After: attempt n waits n steps (the SDK's backoff: n seconds [fact: sdk-retry-policy]).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest backoff step (the SDK's maxWait, 10 s [fact: sdk-retry-policy]).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Random jitter added to each backoff (50 to 750 ms [fact: sdk-retry-policy]); tests give none.</summary>
    public Func<TimeSpan> Jitter { get; init; } = () => TimeSpan.FromMilliseconds(Random.Shared.Next(50, 751));

    /// <summary>No wait is longer: a Retry-After asking more stops the audit at once (no attempt is spent early).
    /// Retry-After is the project's own addition (the SDK does not read it).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The clock that measures the retry window (tests advance a fake one in <see cref="Delay"/>).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>SCIM <c>count</c>: items per page.</summary>
    public int ScimPageSize { get; init; } = 100;

    /// <summary>Jobs list <c>limit</c> (the API allows 100 at most).</summary>
    public int JobsPageSize { get; init; } = 100;

    /// <summary>How a wait is spent (tests record it instead of sleeping).</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;

    /// <summary>Told before every call, for a progress line.</summary>
    public Action<string>? Progress { get; init; }
}

/// <summary>
/// The credential of each host, as Databricks unified authentication gives one per host: the account API
/// (<c>/api/2.0/accounts/...</c>) takes the account token, everything else the workspace token.
/// </summary>
public sealed record HostCredentials(ITokenSource Workspace, ITokenSource? Account)
{
    public const string AccountApiPrefix = "/api/2.0/accounts/";

    /// <summary>The account's access-control API; the workspace proxy has no account id [fact: sdk-rule-set].</summary>
    public const string AccountPreviewPrefix = "/api/2.0/preview/accounts/";

    public ITokenSource For(string pathAndQuery) =>
        pathAndQuery.StartsWith(AccountApiPrefix, StringComparison.Ordinal)
            || (pathAndQuery.StartsWith(AccountPreviewPrefix, StringComparison.Ordinal) && !pathAndQuery.StartsWith(AccountPreviewPrefix + "access-control", StringComparison.Ordinal))
            ? Account ?? throw new AuditException($"no credential for the account API ({pathAndQuery.Split('?')[0]})")
            : Workspace;
}

/// <summary>
/// A read-only client of the Databricks REST API: <see cref="GetAsync{T}"/> is the only way it sends anything, and
/// it sends GET (the token POSTs of OAuth are the token sources' own). Retries what databricks-sdk-go v0.175.0
/// retries [fact: sdk-retry-policy]: 429 and 503, the error codes REQUEST_LIMIT_EXCEEDED and RESOURCE_EXHAUSTED with any status, an
/// error whose message holds REQUEST_LIMIT_EXCEEDED (SCIM's 500), dropped connections and timeouts; with linear
/// backoff (attempt n waits n seconds, at most 10, plus jitter) within a 5-minute window per call.
/// The project's own additions: 504 by status (the SDK's configured client does not retry it: its
/// ErrorRetriable replaces httpclient's DefaultErrorRetriable), Retry-After honoured up to
/// <see cref="ClientOptions.MaxDelay"/>, and an optional attempt cap. Any other failure becomes one
/// <see cref="AuditException"/> line naming the call and the HTTP status.
/// </summary>
public sealed class DatabricksClient(HttpClient http, HostCredentials credentials, ClientOptions options)
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public DatabricksClient(HttpClient http, ITokenSource tokens, ClientOptions options)
        : this(http, new HostCredentials(tokens, tokens), options)
    {
    }

    public ClientOptions Options => options;

    /// <summary>
    /// GETs <paramref name="pathAndQuery"/> on <paramref name="host"/> and reads the JSON body as
    /// <typeparamref name="T"/>. Every status other than success fails, 404 included: the object must exist.
    /// </summary>
    public async Task<T> GetAsync<T>(Uri host, string pathAndQuery, CancellationToken cancellationToken)
        where T : class =>
        await Get<T>(host, pathAndQuery, notFoundIsNull: false, cancellationToken).ConfigureAwait(false)
            ?? throw new System.Diagnostics.UnreachableException("a GET that is not allowed a 404 answered null");

    /// <summary>
    /// <see cref="GetAsync{T}(Uri, string, CancellationToken)"/>, where a 404 is null: a declared object that is absent.
    /// </summary>
    public Task<T?> GetOrNullAsync<T>(Uri host, string pathAndQuery, CancellationToken cancellationToken)
        where T : class =>
        Get<T>(host, pathAndQuery, notFoundIsNull: true, cancellationToken);

    private Task<T?> Get<T>(Uri host, string pathAndQuery, bool notFoundIsNull, CancellationToken cancellationToken)
        where T : class
    {
        var uri = new Uri(host, pathAndQuery);
        var call = $"GET {uri.GetLeftPart(UriPartial.Path)}{uri.Query}";
        options.Progress?.Invoke(call);
        var tokens = credentials.For(pathAndQuery);
        return SendAsync<T>(http, options, call, async token =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetTokenAsync(token).ConfigureAwait(false));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            return request;
        }, notFoundIsNull, cancellationToken);
    }

    /// <summary>
    /// Sends a request built afresh for each attempt and reads its JSON answer. Transient failures are retried up to
    /// <see cref="ClientOptions.MaxAttempts"/>: 429, 503 and 504 (after Retry-After, or exponential backoff), a dropped
    /// or refused connection and a call without an answer within <see cref="ClientOptions.CallTimeout"/>.
    /// </summary>
    internal static async Task<T?> SendAsync<T>(HttpClient http, ClientOptions options, string call,
        Func<CancellationToken, Task<HttpRequestMessage>> build, bool notFoundIsNull, CancellationToken cancellationToken)
        where T : class
    {
        var started = options.Time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            string transient;
            TimeSpan wait;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(options.CallTimeout);
                try
                {
                    using var request = await build(timeout.Token).ConfigureAwait(false);
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                    var status = response.StatusCode;
                    var throttled = status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
                    string? code = null;
                    if (!throttled && !response.IsSuccessStatusCode && status != HttpStatusCode.NotFound)
                    {
                        // The body tells: an error code the SDK maps to 429, or SCIM's message.
                        await response.Content.LoadIntoBufferAsync(timeout.Token).ConfigureAwait(false);
                        code = await RetriableCode(response, timeout.Token).ConfigureAwait(false);
                        throttled = code is not null;
                    }

                    if (throttled)
                    {
                        var asked = Asked(response.Headers.RetryAfter, options.Time);
                        if (asked > options.MaxDelay)
                        {
                            throw new AuditException($"{call}: HTTP {Status(status)} asking to retry after {Seconds(asked.Value)} s, longer than the {Seconds(options.MaxDelay)} s the audit waits");
                        }

                        transient = code is null ? $"HTTP {Status(status)}" : $"HTTP {Status(status)} {code}";
                        wait = asked ?? Backoff(options, attempt);
                    }
                    else
                    {
                        return await Read<T>(response, call, notFoundIsNull, timeout.Token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    if (attempt >= options.MaxAttempts || Spent(options, started, TimeSpan.Zero))
                    {
                        throw new AuditException($"{call}: no answer within {Seconds(options.CallTimeout)} s" + (attempt > 1 ? $" ({attempt} attempts)" : string.Empty), ex);
                    }

                    transient = "timeout";
                    wait = Backoff(options, attempt);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    // A reset or dropped connection ("connection reset by peer", ... [fact: sdk-retry-policy]).
                    if (attempt >= options.MaxAttempts || Spent(options, started, TimeSpan.Zero))
                    {
                        throw new AuditException($"{call}: {OneLine(ex.Message)}" + (attempt > 1 ? $" ({attempt} attempts)" : string.Empty), ex);
                    }

                    transient = "connection";
                    wait = Backoff(options, attempt);
                }
            }

            if (attempt >= options.MaxAttempts)
            {
                throw new AuditException($"{call}: {transient} after {attempt} attempts");
            }

            if (Spent(options, started, wait))
            {
                throw new AuditException($"{call}: {transient} after {attempt} attempts within the {Seconds(options.RetryWindow)} s retry window");
            }

            await options.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether waiting <paramref name="wait"/> more would pass the call's retry window.</summary>
    private static bool Spent(ClientOptions options, long started, TimeSpan wait) =>
        options.Time.GetElapsedTime(started) + wait > options.RetryWindow;

    /// <summary>
    /// The error code that makes a non-throttling status retriable, or null: REQUEST_LIMIT_EXCEEDED or
    /// RESOURCE_EXHAUSTED as <c>error_code</c>, or REQUEST_LIMIT_EXCEEDED anywhere in the message (SCIM answers 500 with
    /// it in <c>detail</c>) [fact: sdk-retry-policy].
    /// </summary>
    private static async Task<string?> RetriableCode(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var error = JsonSerializer.Deserialize<ApiError>(body, Json);
            if (error?.ErrorCode is "REQUEST_LIMIT_EXCEEDED" or "RESOURCE_EXHAUSTED")
            {
                return error.ErrorCode;
            }

            var message = error?.Message ?? error?.ScimDetail ?? string.Empty;
            return message.Contains("REQUEST_LIMIT_EXCEEDED", StringComparison.Ordinal) ? "REQUEST_LIMIT_EXCEEDED" : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<T?> Read<T>(HttpResponseMessage response, string call, bool notFoundIsNull, CancellationToken cancellationToken)
        where T : class
    {
        var status = response.StatusCode;
        if (status == HttpStatusCode.NotFound && notFoundIsNull)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new AuditException($"{call}: HTTP {Status(status)}{await ErrorText(response, cancellationToken).ConfigureAwait(false)}");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync<T>(stream, Json, cancellationToken).ConfigureAwait(false)
                    ?? throw new AuditException($"{call}: the response body is empty (null)");
            }
            catch (JsonException ex)
            {
                throw new AuditException($"{call}: the response is not JSON of the documented shape: {OneLine(ex.Message)}", ex);
            }
        }
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Linear: attempt n waits n steps, at most <see cref="ClientOptions.MaxBackoff"/>, plus jitter [fact: sdk-retry-policy].</summary>
    private static TimeSpan Backoff(ClientOptions options, int attempt)
    {
        var wait = options.BaseDelay * attempt;
        return (wait > options.MaxBackoff ? options.MaxBackoff : wait) + options.Jitter();
    }

    /// <summary>What Retry-After asks (seconds or a date), or null.</summary>
    private static TimeSpan? Asked(RetryConditionHeaderValue? retryAfter, TimeProvider time) =>
        retryAfter?.Delta is { } delta ? delta
        : retryAfter?.Date is { } date ? date - time.GetUtcNow()
        : null;

    private static string Status(HttpStatusCode status) =>
        $"{(int)status} {(Enum.IsDefined(status) ? SpacedName(status.ToString()) : "")}".TrimEnd();

    private static string SpacedName(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(c);
        }

        return text.ToString();
    }

    /// <summary>": ERROR_CODE: message" from a Databricks error body, when it is one; at most 200 characters.</summary>
    private static async Task<string> ErrorText(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var error = JsonSerializer.Deserialize<ApiError>(body, Json);
            // SCIM errors carry detail and status; OAuth errors error and error_description [fact: sdk-error-body].
            var code = error?.ErrorCode ?? (error?.ScimStatus is { } scim ? $"SCIM_{scim}" : error?.OAuthError);
            var message = error?.Message ?? error?.ScimDetail ?? error?.OAuthErrorDescription;
            var text = string.Join(": ", new[] { code, message }.Where(s => !string.IsNullOrWhiteSpace(s)));
            return text.Length == 0 ? string.Empty : ": " + OneLine(text);
        }
        catch (JsonException)
        {
            return string.Empty;
        }
    }

    private static string OneLine(string text)
    {
        var line = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return line.Length > 200 ? line[..200] + "..." : line;
    }
}
