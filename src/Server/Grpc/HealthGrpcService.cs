using System.Threading.Channels;
using Grpc.Health.V1;
using Server.Models;
using HealthStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Server.Grpc;

/// <summary>
/// grpc.health.v1.Health (https://github.com/grpc/grpc/blob/master/doc/health-checking.md) over <see cref="ServingState"/>:
/// the server as a whole ("") and align.v1.GenerationService are SERVING while the server takes work.
/// </summary>
public sealed class HealthGrpcService(ServingState state, IHostApplicationLifetime lifetime) : IGrpcService
{
    public const string Name = "grpc.health.v1.Health";

    public void AddMethods(GrpcMethodTable methods)
    {
        methods.Add(Name, "Check", Check);
        methods.Add(Name, "Watch", Watch);
    }

    private static bool IsKnown(string service) => service is "" or GenerationGrpcService.Name;

    private static HealthStatus ToHealth(ServingStatus status) =>
        status == ServingStatus.Serving ? HealthStatus.Serving : HealthStatus.NotServing;

    private async Task Check(GrpcCall call)
    {
        HealthCheckRequest request = await call.ReadRequestAsync(HealthCheckRequest.Parser);
        if (!IsKnown(request.Service)) throw new GrpcException(GrpcStatusCode.NotFound, $"unknown service '{request.Service}'");
        await call.WriteAsync(new HealthCheckResponse { Status = ToHealth(state.Status) });
    }

    // The spec: send the current status at once, then every change; an unknown service gets SERVICE_UNKNOWN and the
    // call stays open. The call ends when the client cancels it, or (with OK) when the server stops.
    private async Task Watch(GrpcCall call)
    {
        HealthCheckRequest request = await call.ReadRequestAsync(HealthCheckRequest.Parser);
        var changes = Channel.CreateUnbounded<ServingStatus>();
        void OnChanged(ServingStatus s) => changes.Writer.TryWrite(s);
        state.Changed += OnChanged;
        await using CancellationTokenRegistration stopping = lifetime.ApplicationStopping.Register(() =>
        {
            changes.Writer.TryWrite(ServingStatus.Stopping);
            changes.Writer.TryComplete();
        });
        try
        {
            bool known = IsKnown(request.Service);
            HealthStatus sent = known ? ToHealth(state.Status) : HealthStatus.ServiceUnknown;
            await call.WriteAsync(new HealthCheckResponse { Status = sent });
            await foreach (ServingStatus change in changes.Reader.ReadAllAsync(call.Ended))
            {
                if (!known || ToHealth(change) == sent) continue;
                sent = ToHealth(change);
                await call.WriteAsync(new HealthCheckResponse { Status = sent });
            }
        }
        finally
        {
            state.Changed -= OnChanged;
        }
    }
}
