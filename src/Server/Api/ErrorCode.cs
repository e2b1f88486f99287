namespace Server.Api;

/// <summary>The error codes of the public contract; each transport maps them to its own status (HTTP status, gRPC code).</summary>
public enum ErrorCode
{
    InvalidArgument,
    Unauthenticated,
    NotFound,
    ResourceExhausted,
    Cancelled,
    DeadlineExceeded,
    Unavailable,
    Unimplemented,
    Internal,
}

public static class ErrorCodes
{
    /// <summary>The snake_case name used in JSON error bodies ("invalid_argument").</summary>
    public static string Name(this ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => "invalid_argument",
        ErrorCode.Unauthenticated => "unauthenticated",
        ErrorCode.NotFound => "not_found",
        ErrorCode.ResourceExhausted => "resource_exhausted",
        ErrorCode.Cancelled => "cancelled",
        ErrorCode.DeadlineExceeded => "deadline_exceeded",
        ErrorCode.Unavailable => "unavailable",
        ErrorCode.Unimplemented => "unimplemented",
        _ => "internal",
    };

    /// <summary>HTTP status of the code: 499 is the de-facto "client closed request" status.</summary>
    public static int HttpStatus(this ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => 400,
        ErrorCode.Unauthenticated => 401,
        ErrorCode.NotFound => 404,
        ErrorCode.ResourceExhausted => 429,
        ErrorCode.Cancelled => 499,
        ErrorCode.DeadlineExceeded => 504,
        ErrorCode.Unavailable => 503,
        ErrorCode.Unimplemented => 501,
        _ => 500,
    };
}
