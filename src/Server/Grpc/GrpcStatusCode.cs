using Server.Api;

namespace Server.Grpc;

/// <summary>The gRPC status codes (https://github.com/grpc/grpc/blob/master/doc/statuscodes.md), sent as grpc-status.</summary>
public enum GrpcStatusCode
{
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

public static class GrpcStatusCodes
{
    /// <summary>The code of a contract error.</summary>
    public static GrpcStatusCode From(ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => GrpcStatusCode.InvalidArgument,
        ErrorCode.Unauthenticated => GrpcStatusCode.Unauthenticated,
        ErrorCode.NotFound => GrpcStatusCode.NotFound,
        ErrorCode.ResourceExhausted => GrpcStatusCode.ResourceExhausted,
        ErrorCode.Cancelled => GrpcStatusCode.Cancelled,
        ErrorCode.DeadlineExceeded => GrpcStatusCode.DeadlineExceeded,
        ErrorCode.Unavailable => GrpcStatusCode.Unavailable,
        ErrorCode.Unimplemented => GrpcStatusCode.Unimplemented,
        _ => GrpcStatusCode.Internal,
    };

    /// <summary>The canonical name ("INVALID_ARGUMENT"), as clients print it and metrics label it.</summary>
    public static string Name(this GrpcStatusCode code) => code switch
    {
        GrpcStatusCode.Ok => "OK",
        GrpcStatusCode.Cancelled => "CANCELLED",
        GrpcStatusCode.Unknown => "UNKNOWN",
        GrpcStatusCode.InvalidArgument => "INVALID_ARGUMENT",
        GrpcStatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        GrpcStatusCode.NotFound => "NOT_FOUND",
        GrpcStatusCode.AlreadyExists => "ALREADY_EXISTS",
        GrpcStatusCode.PermissionDenied => "PERMISSION_DENIED",
        GrpcStatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        GrpcStatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        GrpcStatusCode.Aborted => "ABORTED",
        GrpcStatusCode.OutOfRange => "OUT_OF_RANGE",
        GrpcStatusCode.Unimplemented => "UNIMPLEMENTED",
        GrpcStatusCode.Internal => "INTERNAL",
        GrpcStatusCode.Unavailable => "UNAVAILABLE",
        GrpcStatusCode.DataLoss => "DATA_LOSS",
        GrpcStatusCode.Unauthenticated => "UNAUTHENTICATED",
        _ => "UNKNOWN",
    };
}
