namespace Server.Api;

/// <summary>A request that ends in an error of the contract: its code, a message for people, and the request field at fault.</summary>
public sealed class ServiceException(ErrorCode code, string message, string? field = null, TimeSpan? retryAfter = null)
    : Exception(message)
{
    public ErrorCode Code { get; } = code;
    public string? Field { get; } = field;

    /// <summary>When a client may try again (sent as Retry-After with resource_exhausted).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static ServiceException Invalid(string field, string message) => new(ErrorCode.InvalidArgument, message, field);
}
