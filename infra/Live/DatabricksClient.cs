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

    /// <summary>Attempts per call when the answer is 429 or 503.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>First wait between attempts without Retry-After; doubled each time.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>No wait is longer, whatever Retry-After asks.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

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
/// A read-only client of the Databricks REST API: <see cref="GetAsync{T}"/> is the only way it sends anything, and
/// it sends GET. Retries 429 and 503 with backoff, honouring Retry-After; a timeout per call; any other failure
/// becomes one <see cref="AuditException"/> line naming the call and the HTTP status.
/// </summary>
public sealed class DatabricksClient(HttpClient http, ITokenSource tokens, ClientOptions options)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public ClientOptions Options => options;

    /// <summary>
    /// GETs <paramref name="pathAndQuery"/> on <paramref name="host"/> and reads the JSON body as
    /// <typeparamref name="T"/>. A 404 is null where <paramref name="notFoundIsNull"/> (a declared object that is
    /// absent), otherwise it fails like any other status.
    /// </summary>
    public async Task<T?> GetAsync<T>(Uri host, string pathAndQuery, bool notFoundIsNull, CancellationToken cancellationToken)
        where T : class
    {
        var uri = new Uri(host, pathAndQuery);
        var call = $"GET {uri.GetLeftPart(UriPartial.Path)}{uri.Query}";
        options.Progress?.Invoke(call);
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.CallTimeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetTokenAsync(timeout.Token).ConfigureAwait(false));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                var status = response.StatusCode;
                if (status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
                {
                    if (attempt >= options.MaxAttempts)
                    {
                        throw new AuditException($"{call}: HTTP {Status(status)} after {attempt} attempts");
                    }

                    await options.Delay(Wait(response.Headers.RetryAfter, attempt), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (status == HttpStatusCode.NotFound && notFoundIsNull)
                {
                    return null;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw new AuditException($"{call}: HTTP {Status(status)}{await ErrorText(response, timeout.Token).ConfigureAwait(false)}");
                }

                var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    try
                    {
                        return await JsonSerializer.DeserializeAsync<T>(stream, Json, timeout.Token).ConfigureAwait(false)
                            ?? throw new AuditException($"{call}: the response body is empty (null)");
                    }
                    catch (JsonException ex)
                    {
                        throw new AuditException($"{call}: the response is not JSON of the documented shape: {OneLine(ex.Message)}", ex);
                    }
                }
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new AuditException($"{call}: no answer within {options.CallTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s", ex);
            }
            catch (HttpRequestException ex)
            {
                throw new AuditException($"{call}: {OneLine(ex.Message)}", ex);
            }
        }
    }

    /// <summary>Retry-After (seconds or a date) when given, otherwise exponential backoff; never above MaxDelay.</summary>
    internal TimeSpan Wait(RetryConditionHeaderValue? retryAfter, int attempt)
    {
        TimeSpan wait;
        if (retryAfter?.Delta is { } delta)
        {
            wait = delta;
        }
        else if (retryAfter?.Date is { } date)
        {
            wait = date - DateTimeOffset.UtcNow;
        }
        else
        {
            wait = options.BaseDelay * Math.Pow(2, attempt - 1);
        }

        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > options.MaxDelay ? options.MaxDelay : wait;
    }

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
            var text = string.Join(": ", new[] { error?.ErrorCode, error?.Message }.Where(s => !string.IsNullOrWhiteSpace(s)));
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
