using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Server.Grpc;

/// <summary>Registers the gRPC API and serves it on the gRPC port.</summary>
public static class GrpcServiceRegistration
{
    public static IServiceCollection AddGrpcApi(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<GrpcOptions>(config.GetSection(GrpcOptions.Section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IGrpcService, GenerationGrpcService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IGrpcService, HealthGrpcService>());
        services.AddSingleton<GrpcMethodTable>();
        services.AddSingleton<GrpcDispatcher>();
        return services;
    }

    /// <summary>Every request that arrives on <paramref name="grpcPort"/> is a gRPC call; the HTTP API's routes are not served there.</summary>
    public static IApplicationBuilder MapGrpcApi(this IApplicationBuilder app, int grpcPort)
    {
        if (grpcPort <= 0) return app;
        return app.MapWhen(c => c.Connection.LocalPort == grpcPort,
            grpc => grpc.Run(c => c.RequestServices.GetRequiredService<GrpcDispatcher>().HandleAsync(c)));
    }
}
